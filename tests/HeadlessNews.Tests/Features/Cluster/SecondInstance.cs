using System.Net.Http.Headers;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Cluster;

/// <summary>Another API instance on the test database, with its own settings, disposed with the test.</summary>
internal sealed class SecondInstance : IAsyncDisposable
{
    public HeadlessNewsApiFactory Factory { get; }
    public HttpClient Anonymous { get; }
    public HttpClient Admin { get; }

    private SecondInstance(HeadlessNewsApiFactory factory)
    {
        Factory = factory;
        Anonymous = factory.CreateClient();
        Admin = factory.CreateClient();
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);
    }

    public static SecondInstance Start(
        IDictionary<string, string?>? settings = null, string? connectionString = null, Background background = Background.None) =>
        new(new HeadlessNewsApiFactory(connectionString ?? GlobalSetup.Database.ConnectionString, settings, background));

    /// <summary>Until this instance listens for the others' purges (one announced before then is never heard).</summary>
    public Task ListeningAsync() =>
        Factory.Services.GetRequiredService<HeadlessNews.Api.Infrastructure.Cluster.CachePurgeListener>().Listening.WaitAsync(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        Anonymous.Dispose();
        Admin.Dispose();
        await Factory.DisposeAsync();
    }
}
