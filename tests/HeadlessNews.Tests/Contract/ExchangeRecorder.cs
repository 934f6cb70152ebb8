using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace HeadlessNews.Tests.Contract;

/// <summary>One answer the API gave during the run, as a client received it (body decoded).</summary>
internal sealed record Exchange(string Method, string Path, int Status, Dictionary<string, string> Headers, string? Body);

/// <summary>
/// Keeps every answer any instance of the app gives during the test run (in-memory test servers and the loopback
/// ones the generated clients and the browser call), so all of them can be checked against openapi.yaml.
/// It sits outside every middleware of the app, so it sees exactly the bytes and headers that leave it.
/// </summary>
internal static class ExchangeRecorder
{
    // Bodies beyond this are not kept (the import and export tests move megabytes); their status and headers still are.
    private const int MaxBodyBytes = 2_000_000;
    private static readonly List<Exchange> Exchanges = [];

    public static int Count
    {
        get { lock (Exchanges) return Exchanges.Count; }
    }

    public static Exchange[] Since(int index)
    {
        lock (Exchanges)
            return Exchanges.Skip(index).ToArray();
    }

    public sealed class StartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(RecordAsync);
            next(app);
        };
    }

    private static async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        // The development sign-in exists only in Development and is deliberately not part of the contract.
        if (context.Request.Path.StartsWithSegments("/dev"))
        {
            await next(context);
            return;
        }
        var original = context.Response.Body;
        var copy = new CopyingStream(original);
        context.Response.Body = copy;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        var headers = context.Response.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var body = copy.Overflowed ? null : Decode(copy.Copy.ToArray(), headers.GetValueOrDefault("content-encoding"));
        lock (Exchanges)
            Exchanges.Add(new Exchange(context.Request.Method, context.Request.Path + context.Request.QueryString, context.Response.StatusCode, headers, body));
    }

    private static string Decode(byte[] bytes, string? encoding)
    {
        using var input = new MemoryStream(bytes);
        using Stream decoded = encoding switch
        {
            "br" => new BrotliStream(input, CompressionMode.Decompress),
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            _ => input,
        };
        using var reader = new StreamReader(decoded, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private sealed class CopyingStream(Stream inner) : Stream
    {
        public MemoryStream Copy { get; } = new();
        public bool Overflowed { get; private set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            if (Copy.Length + bytes.Length > MaxBodyBytes)
                Overflowed = true;
            else
                Copy.Write(bytes);
        }

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
