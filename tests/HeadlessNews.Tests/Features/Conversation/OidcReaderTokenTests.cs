using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>
/// OpenID Connect sign-in: an identity provider on loopback serves a discovery document and a JWKS with an RSA and an
/// EC key; a second app instance on the same database is configured with it as authority (and keeps the HS256 secret).
/// </summary>
public sealed class OidcReaderTokenTests : ApiTestBase
{
    private WebApplication _authority = null!;
    private string _issuer = null!;
    private HeadlessNewsApiFactory _app = null!;
    private readonly RsaSecurityKey _rsa = new(RSA.Create(2048)) { KeyId = "rsa-1" };
    private readonly ECDsaSecurityKey _ec = new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-1" };

    [OneTimeSetUp]
    public async Task StartAuthorityAsync()
    {
        var port = WebhookReceiver.FreePort();
        _issuer = $"http://127.0.0.1:{port}/realm";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        _authority = builder.Build();
        var rsa = _rsa.Rsa.ExportParameters(false);
        var ec = _ec.ECDsa.ExportParameters(false);
        _authority.MapGet("/realm/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = _issuer, ["jwks_uri"] = _issuer + "/jwks", ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        }));
        _authority.MapGet("/realm/jwks", () => Results.Json(new
        {
            keys = new object[]
            {
                new Dictionary<string, string> { ["kty"] = "RSA", ["kid"] = "rsa-1", ["use"] = "sig", ["alg"] = "RS256",
                    ["n"] = Base64UrlEncoder.Encode(rsa.Modulus), ["e"] = Base64UrlEncoder.Encode(rsa.Exponent) },
                new Dictionary<string, string> { ["kty"] = "EC", ["kid"] = "ec-1", ["use"] = "sig", ["alg"] = "ES256", ["crv"] = "P-256",
                    ["x"] = Base64UrlEncoder.Encode(ec.Q.X), ["y"] = Base64UrlEncoder.Encode(ec.Q.Y) },
            },
        }));
        await _authority.StartAsync();
        _app = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, new Dictionary<string, string?>
        {
            ["HeadlessNews:Readers:Authority"] = _issuer,
            ["HeadlessNews:Readers:RequireHttpsMetadata"] = "false",
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _app.DisposeAsync();
        await _authority.DisposeAsync();
    }

    private Task<HttpResponseMessage> PostAsync(string token)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client.PostAsJsonAsync("/api/v1/articles/federated/comments", new { body = "Signed in elsewhere " + Guid.NewGuid() });
    }

    [Test]
    public async Task RS256AndES256TokensFromTheAuthorityAreAccepted()
    {
        await CreatePublishedAsync("federated");
        var rs = await PostAsync(ReaderTokenMint.Create("oidc-rsa", "Rsa Reader", issuer: _issuer, key: _rsa, algorithm: SecurityAlgorithms.RsaSha256));
        Assert.That(rs.StatusCode, Is.EqualTo(HttpStatusCode.Created), await rs.Content.ReadAsStringAsync());
        var es = await PostAsync(ReaderTokenMint.Create("oidc-ec", "Ec Reader", issuer: _issuer, key: _ec, algorithm: SecurityAlgorithms.EcdsaSha256));
        Assert.That(es.StatusCode, Is.EqualTo(HttpStatusCode.Created), await es.Content.ReadAsStringAsync());
        // The shared secret still works beside the authority, for its own issuer.
        Assert.That((await PostAsync(ReaderTokenMint.Create("hs-reader"))).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await SqlAsync<long>("select count(*) from readers where issuer = @issuer", new { issuer = _issuer }), Is.EqualTo(2));
    }

    [Test]
    public async Task TokensTheAuthorityDidNotSignOrForAnotherAudienceGetThe401()
    {
        await CreatePublishedAsync("federated");
        var stranger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "rsa-1" };
        foreach (var token in new[]
                 {
                     ReaderTokenMint.Create("x", issuer: _issuer, key: stranger, algorithm: SecurityAlgorithms.RsaSha256),
                     ReaderTokenMint.Create("x", issuer: _issuer, audience: "another-app", key: _rsa, algorithm: SecurityAlgorithms.RsaSha256),
                     ReaderTokenMint.Create("x", issuer: "https://other-idp.test", key: _rsa, algorithm: SecurityAlgorithms.RsaSha256),
                     ReaderTokenMint.Create("x", issuer: _issuer, key: _rsa, algorithm: SecurityAlgorithms.RsaSha512),
                     ReaderTokenMint.Create("x", issuer: _issuer, expires: DateTime.UtcNow.AddMinutes(-10), key: _ec, algorithm: SecurityAlgorithms.EcdsaSha256),
                     // The shared secret cannot speak for the authority's readers.
                     ReaderTokenMint.Create("oidc-rsa", issuer: _issuer),
                 })
            await AssertProblemAsync(await PostAsync(token), HttpStatusCode.Unauthorized);
        Assert.That(await SqlAsync<long>("select count(*) from comments"), Is.EqualTo(0));
    }
}
