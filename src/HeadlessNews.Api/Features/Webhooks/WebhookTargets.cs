using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace HeadlessNews.Api.Features.Webhooks;

/// <summary>
/// Keeps webhooks from being aimed at our own network (SSRF): a target must be http(s) and every address its
/// host resolves to must be public, unless configuration allows loopback or private networks. Checked at
/// registration and again, on the address actually connected to, at every attempt (so DNS rebinding fails too).
/// </summary>
internal sealed class WebhookTargets(IOptions<HeadlessNewsOptions> options)
{
    private static readonly (IPAddress Network, int Bits)[] NonPublicV4 =
    [
        (IPAddress.Parse("0.0.0.0"), 8), (IPAddress.Parse("10.0.0.0"), 8), (IPAddress.Parse("100.64.0.0"), 10),
        (IPAddress.Parse("127.0.0.0"), 8), (IPAddress.Parse("169.254.0.0"), 16), (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.0.0.0"), 24), (IPAddress.Parse("192.0.2.0"), 24), (IPAddress.Parse("192.88.99.0"), 24),
        (IPAddress.Parse("192.168.0.0"), 16), (IPAddress.Parse("198.18.0.0"), 15), (IPAddress.Parse("198.51.100.0"), 24),
        (IPAddress.Parse("203.0.113.0"), 24), (IPAddress.Parse("224.0.0.0"), 4), (IPAddress.Parse("240.0.0.0"), 4),
    ];

    private static readonly (IPAddress Network, int Bits)[] NonPublicV6 =
    [
        (IPAddress.Parse("::"), 128), (IPAddress.Parse("::1"), 128), (IPAddress.Parse("fc00::"), 7), (IPAddress.Parse("fe80::"), 10),
        (IPAddress.Parse("fec0::"), 10), (IPAddress.Parse("ff00::"), 8), (IPAddress.Parse("2001:db8::"), 32), (IPAddress.Parse("100::"), 64),
        // Local-use NAT64 (RFC 8215): translated inside someone's own network, to whatever IPv4 address it embeds.
        (IPAddress.Parse("64:ff9b:1::"), 48),
    ];

    /// <summary>Why this URL may not be a webhook target, or null when it may (its host resolved now).</summary>
    public async Task<string?> RefusalAsync(string url, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return "The URL must be an absolute http or https URL.";
        if (uri.UserInfo.Length > 0)
            return "The URL must not carry a user name or password.";
        if (uri.Fragment.Length > 0)
            return "The URL must not have a fragment.";
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(uri.IdnHost, ct);
        }
        catch (SocketException)
        {
            return $"The host '{uri.Host}' does not resolve.";
        }
        if (addresses.Length == 0)
            return $"The host '{uri.Host}' does not resolve.";
        return addresses.FirstOrDefault(a => !IsAllowed(a)) is { } refused
            ? $"The host '{uri.Host}' resolves to {refused}, which is not a public address."
            : null;
    }

    public bool IsAllowed(IPAddress address)
    {
        var settings = options.Value.Webhooks;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedV4(address) is { Length: > 0 } embedded)
            return embedded.All(IsAllowed);
        if (IPAddress.IsLoopback(address))
            return settings.AllowLoopback;
        var ranges = address.AddressFamily == AddressFamily.InterNetwork ? NonPublicV4 : NonPublicV6;
        return settings.AllowPrivateNetworks || !ranges.Any(r => InRange(address, r.Network, r.Bits));
    }

    /// <summary>Connects only to addresses that pass <see cref="IsAllowed"/>, resolved once for this connection.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
        if (addresses.Length == 0 || addresses.Any(a => !IsAllowed(a)))
            throw new WebhookTargetRefusedException($"'{context.DnsEndPoint.Host}' resolves to a non-public address; not connecting.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var bare = host.Trim('[', ']');
        return IPAddress.TryParse(bare, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(bare, ct);
    }

    /// <summary>
    /// The IPv4 addresses an IPv6 address carries, each of which must be allowed as itself: 6to4 (2002::/16),
    /// NAT64 (64:ff9b::/96), IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d) and Teredo
    /// (2001::/32: the server's address, and the client's with its bits inverted).
    /// </summary>
    private static IPAddress[] EmbeddedV4(IPAddress v6)
    {
        var b = v6.GetAddressBytes();
        if (b[0] == 0x20 && b[1] == 0x02)
            return [new IPAddress(b.AsSpan(2, 4))];
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
            return [new IPAddress(b.AsSpan(4, 4)), new IPAddress(b[12..16].Select(x => (byte)~x).ToArray())];
        var zeroPrefix = b.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0;
        var translated = zeroPrefix && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0;
        var compatible = zeroPrefix && b.AsSpan(8, 4).IndexOfAnyExcept((byte)0) < 0 && !v6.Equals(IPAddress.IPv6Any) && !v6.Equals(IPAddress.IPv6Loopback);
        if (InRange(v6, IPAddress.Parse("64:ff9b::"), 96) || translated || compatible)
            return [new IPAddress(b.AsSpan(12, 4))];
        return [];
    }

    private static bool InRange(IPAddress address, IPAddress network, int bits)
    {
        if (address.AddressFamily != network.AddressFamily)
            return false;
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        var whole = bits / 8;
        if (!a.AsSpan(0, whole).SequenceEqual(n.AsSpan(0, whole)))
            return false;
        var rest = bits % 8;
        if (rest == 0)
            return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (a[whole] & mask) == (n[whole] & mask);
    }
}

internal sealed class WebhookTargetRefusedException(string message) : Exception(message);
