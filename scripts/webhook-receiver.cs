#!/usr/bin/env -S dotnet run
// A webhook receiver on loopback for trying webhooks on one machine:   dotnet run scripts/webhook-receiver.cs
// It subscribes itself to every event of the API that scripts/run-local.sh started (HEADLESSNEWS_API, default
// http://127.0.0.1:5080, admin key HEADLESSNEWS_ADMIN_KEY, default dev-admin-key), verifies each delivery's
// Standard Webhooks signature with the secret it was given, prints one line per delivery, and removes its
// subscription when stopped (Ctrl+C).
#:sdk Microsoft.NET.Sdk.Web
#:package StandardWebhooks
#:property PublishAot=false

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

var api = Environment.GetEnvironmentVariable("HEADLESSNEWS_API") ?? "http://127.0.0.1:5080";
var adminKey = Environment.GetEnvironmentVariable("HEADLESSNEWS_ADMIN_KEY") ?? "dev-admin-key";

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
var app = builder.Build();
StandardWebhook? verifier = null;
app.MapPost("/hooks", async (HttpRequest request) =>
{
    var body = await new StreamReader(request.Body).ReadToEndAsync();
    try
    {
        verifier!.Verify(body, request.Headers);
    }
    catch (WebhookVerificationException e)
    {
        Console.WriteLine($"REFUSED  {request.Headers["webhook-id"]}: {e.Message}");
        return Results.Unauthorized();
    }
    var delivery = JsonNode.Parse(body)!;
    var data = delivery["data"]!;
    var what = data["article"]?["slug"] ?? data["tag"]?["slug"];
    Console.WriteLine($"verified {delivery["type"]} {what} (webhook-id {request.Headers["webhook-id"]})");
    return Results.NoContent();
});
await app.StartAsync();
var hooks = app.Urls.First() + "/hooks";

using var http = new HttpClient { BaseAddress = new Uri(api) };
http.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
string[] events = ["article.published", "article.updated", "article.unpublished", "article.archived", "article.deleted",
    "tag.created", "tag.updated", "tag.deleted"];
HttpResponseMessage created;
try
{
    created = await http.PostAsJsonAsync("/api/v1/manage/webhooks", new { url = hooks, events });
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"No API answers at {api} ({e.Message}): start it with ./scripts/run-local.sh, or set HEADLESSNEWS_API.");
    return 1;
}
if (!created.IsSuccessStatusCode)
{
    Console.Error.WriteLine($"Subscribing {hooks} at {api} failed ({(int)created.StatusCode}): {await created.Content.ReadAsStringAsync()}");
    return 1;
}
var subscription = (await created.Content.ReadFromJsonAsync<JsonNode>())!;
verifier = new StandardWebhook(subscription["secret"]!.GetValue<string>());
var id = subscription["id"]!.GetValue<string>();
Console.WriteLine($"Receiving at {hooks} (subscription {id}, every event of {api}); Ctrl+C stops.");

await app.WaitForShutdownAsync();
await http.DeleteAsync($"/api/v1/manage/webhooks/{id}");
Console.WriteLine($"Subscription {id} removed.");
return 0;
