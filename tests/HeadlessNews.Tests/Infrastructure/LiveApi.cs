namespace HeadlessNews.Tests.Infrastructure;

/// <summary>
/// The API on a real loopback port (Kestrel, not the in-memory test server), for clients that run in another
/// process: node, a browser. Same database as the rest of the suite.
/// </summary>
internal sealed class LiveApi : IAsyncDisposable
{
    private readonly HeadlessNewsApiFactory _factory;

    public string BaseUrl { get; }

    public IServiceProvider Services => _factory.Services;

    private LiveApi(HeadlessNewsApiFactory factory, string baseUrl)
    {
        _factory = factory;
        BaseUrl = baseUrl;
    }

    public static LiveApi Start(IDictionary<string, string?>? settings = null, Background background = Background.None, string environment = "Production")
    {
        var port = WebhookReceiver.FreePort();
        // Its own URL is the public one, so the demo images it names are the ones it serves.
        var values = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["HeadlessNews:PublicApiUrl"] = $"http://127.0.0.1:{port}",
        };
        var factory = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, values, background, environment);
        factory.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port));
        factory.StartServer();
        return new LiveApi(factory, $"http://127.0.0.1:{port}");
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
