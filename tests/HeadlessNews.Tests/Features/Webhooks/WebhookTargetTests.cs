using HeadlessNews.Api;
using HeadlessNews.Api.Features.Webhooks;
using Microsoft.Extensions.Options;

namespace HeadlessNews.Tests.Features.Webhooks;

/// <summary>The SSRF rules, with the production defaults (no loopback, no private networks).</summary>
public sealed class WebhookTargetTests
{
    private static WebhookTargets Targets(bool allowLoopback = false) =>
        new(Options.Create(new HeadlessNewsOptions { Webhooks = { AllowLoopback = allowLoopback } }));

    [TestCase("http://127.0.0.1/hook")]
    [TestCase("http://127.1/hook")]
    [TestCase("http://2130706433/hook")]
    [TestCase("http://0x7f000001/hook")]
    [TestCase("http://0177.0.0.1/hook")]
    [TestCase("http://[::1]/hook")]
    [TestCase("http://[::ffff:127.0.0.1]/hook")]
    [TestCase("http://[::ffff:7f00:1]/hook")]
    [TestCase("http://localhost/hook")]
    [TestCase("http://0.0.0.0/hook")]
    [TestCase("http://[::]/hook")]
    [TestCase("http://10.1.2.3/hook")]
    [TestCase("http://172.16.0.9/hook")]
    [TestCase("http://192.168.0.1/hook")]
    [TestCase("http://100.64.1.1/hook")]
    [TestCase("http://169.254.169.254/latest/meta-data")]
    [TestCase("http://[fe80::1]/hook")]
    [TestCase("http://[fd00::1]/hook")]
    [TestCase("http://[::ffff:a9fe:a9fe]/hook")]
    [TestCase("http://[2002:a00:1::]/hook")]
    [TestCase("http://[64:ff9b::a00:1]/hook")]
    [TestCase("http://[::ffff:0:127.0.0.1]/hook")]
    [TestCase("http://[::ffff:0:a00:1]/hook")]
    [TestCase("http://[::ffff:0:a9fe:a9fe]/latest/meta-data")]
    [TestCase("http://[::ffff:0:c0a8:1]/hook")]
    [TestCase("http://[64:ff9b:1::a00:1]/hook")]
    [TestCase("http://[64:ff9b:1:a00:0:100::]/hook")]
    [TestCase("http://[64:ff9b:1::5db8:d822]/hook")]
    [TestCase("http://[2001:0:a00:1::a247:27dd]/hook")]
    [TestCase("http://[2001:0:7f00:1::a247:27dd]/hook")]
    [TestCase("http://[2001:0:5db8:d822::80ff:fffe]/hook")]
    [TestCase("http://[2001:0:5db8:d822::3f57:fffe]/hook")]
    [TestCase("http://[2001:0:5db8:d822::5601:5656]/latest/meta-data")]
    [TestCase("http://224.0.0.1/hook")]
    [TestCase("ftp://93.184.216.34/hook")]
    [TestCase("file:///etc/passwd")]
    [TestCase("http://user:secret@93.184.216.34/hook")]
    [TestCase("/relative/hook")]
    [TestCase("http://name-that-does-not-resolve.invalid/hook")]
    public async Task RefusesNonPublicAndNonHttpTargets(string url) =>
        Assert.That(await Targets().RefusalAsync(url, CancellationToken.None), Is.Not.Null);

    [TestCase("http://93.184.216.34/hook")]
    [TestCase("https://93.184.216.34:8443/hooks/news?partner=7")]
    [TestCase("http://[2606:2800:220:1:248:1893:25c8:1946]/hook")]
    [TestCase("http://[::ffff:0:5db8:d822]/hook")]
    [TestCase("http://[2001:0:5db8:d822::a247:27dd]/hook")]
    public async Task AcceptsPublicAddresses(string url) =>
        Assert.That(await Targets().RefusalAsync(url, CancellationToken.None), Is.Null);

    [Test]
    public async Task LoopbackOnlyWhenConfiguredAndPrivateNetworksStillRefused()
    {
        var targets = Targets(allowLoopback: true);
        Assert.That(await targets.RefusalAsync("http://127.0.0.1:8080/hook", CancellationToken.None), Is.Null);
        Assert.That(await targets.RefusalAsync("http://[::ffff:127.0.0.1]/hook", CancellationToken.None), Is.Null);
        Assert.That(await targets.RefusalAsync("http://10.0.0.1/hook", CancellationToken.None), Is.Not.Null);
        Assert.That(await targets.RefusalAsync("http://169.254.169.254/", CancellationToken.None), Is.Not.Null);
    }
}
