using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Conversation;

public sealed class DevSignInTests : ApiTestBase
{
    private static readonly Dictionary<string, string?> DevSignInOn = new() { ["HeadlessNews:Readers:DevSignIn"] = "true" };

    [Test]
    public void TheDevSignInCannotBeTurnedOnInProduction()
    {
        using var production = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, DevSignInOn, environment: "Production");
        Assert.Catch(() => production.CreateClient(), "the app must not start");
        foreach (var environment in new[] { "Production", "Staging" })
        {
            var result = new HeadlessNews.Api.HeadlessNewsOptionsValidator(new Environment(environment)).Validate(null, new HeadlessNews.Api.HeadlessNewsOptions
            {
                Readers = { DevSignIn = true, SigningKey = HeadlessNewsApiFactory.ReaderSigningKey, Issuer = "i", Audience = "a" },
            });
            Assert.That(result.Failures, Has.Some.Contains("Readers:DevSignIn"), environment);
        }
    }

    [Test]
    public void TheProductionAppHasNoDevSignInRoute()
    {
        var routes = GlobalSetup.Factory.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>().Select(e => e.RoutePattern.RawText).ToList();
        Assert.That(routes, Has.Some.EqualTo("/api/v1/articles/{slug}/comments"));
        Assert.That(routes, Has.None.Contains("/dev/"));
    }

    private sealed class Environment(string name) : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "test";
        public string ContentRootPath { get; set; } = "";
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }

    [Test]
    public async Task InDevelopmentItMintsATokenThatSignsAReaderIn()
    {
        await CreatePublishedAsync("dev-story");
        await using var development = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, DevSignInOn, environment: "Development");
        var client = development.CreateClient();
        var minted = await client.PostAsJsonAsync("/dev/reader-token", new { subject = "dev-ana", name = "Dev Ana" });
        Assert.That(minted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await minted.Content.ReadAsStringAsync());
        var token = (await ReadJsonAsync(minted))["token"]!.GetValue<string>();

        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var posted = await client.PostAsJsonAsync("/api/v1/articles/dev-story/comments", new { body = "Hello from development" });
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Created), await posted.Content.ReadAsStringAsync());
        Assert.That((await ReadJsonAsync(posted))["author"]!["displayName"]!.GetValue<string>(), Is.EqualTo("Dev Ana"));
    }
}
