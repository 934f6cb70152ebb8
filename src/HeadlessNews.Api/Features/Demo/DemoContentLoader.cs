namespace HeadlessNews.Api.Features.Demo;
internal sealed class DemoContentLoader { public Task LoadAsync(CancellationToken ct) => Task.CompletedTask; }
