using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HeadlessNews.Tests.Infrastructure;

/// <summary>A real HTTP receiver on loopback that records every webhook request it gets.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Received(string Id, string Timestamp, string Signature, string Body, IHeaderDictionary Headers, DateTime At)
    {
        public string Type => JsonNode.Parse(Body)!["type"]!.GetValue<string>();
        public JsonNode Data => JsonNode.Parse(Body)!["data"]!;
    }

    private readonly WebApplication _app;
    public ConcurrentQueue<Received> Requests { get; } = new();
    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hook";

    /// <summary>The status to answer with; 200 unless a test says otherwise.</summary>
    public Func<int> Status { get; set; } = () => 200;

    /// <summary>
    /// While set and not yet complete, every request is held unanswered until it completes (or the sender gives up, or
    /// the receiver stops): a receiver as slow as a test needs, decided by the test rather than by a clock.
    /// </summary>
    public Task? Hold { get; set; }

    /// <summary>Requests answered so far (held ones are not, until their hold ends).</summary>
    public int Answered => Volatile.Read(ref _answered);

    private int _answered;
    private readonly CancellationTokenSource _stopping = new();
    public Func<HttpResponse, Task>? Decorate { get; set; }

    private WebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>A loopback port nothing listens on (yet).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<WebhookReceiver> StartAsync(int? port = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var chosen = port ?? FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{chosen}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, chosen);
        app.Run(async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = new HeaderDictionary(http.Request.Headers.ToDictionary(h => h.Key, h => h.Value));
            receiver.Requests.Enqueue(new Received(
                headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(), headers["webhook-signature"].ToString(),
                body, headers, DateTime.UtcNow));
            if (receiver.Hold is { } hold)
            {
                using var abandoned = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, receiver._stopping.Token);
                try
                {
                    await hold.WaitAsync(abandoned.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            http.Response.StatusCode = receiver.Status();
            if (receiver.Decorate is { } decorate)
                await decorate(http.Response);
            Interlocked.Increment(ref receiver._answered);
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until the receiver holds at least <paramref name="count"/> requests matching a filter.</summary>
    public async Task<List<Received>> WaitForAsync(int count, Func<Received, bool>? filter = null, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var matching = Requests.Where(filter ?? (_ => true)).ToList();
            if (matching.Count >= count || DateTime.UtcNow > deadline)
                return matching;
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
