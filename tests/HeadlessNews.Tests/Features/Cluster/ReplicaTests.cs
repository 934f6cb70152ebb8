using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using HeadlessNews.Api.Infrastructure.Cluster;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HeadlessNews.Tests.Features.Cluster;

/// <summary>
/// A real streaming standby of the test database (pg_basebackup): delivery reads go to it, an instance never reads
/// from before a write it knows of (its own, or another instance's), and reads go to the primary while the standby
/// is too far behind or down, and back when it returns.
/// </summary>
[NonParallelizable]
public sealed class ReplicaTests : ApiTestBase
{
    private static string _dataDir = null!;
    private static int _port;
    private static string _standby = null!;

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await errors}");
        return await output;
    }

    private static Task StandbyAsync(string action = "start") =>
        RunAsync("bash", Path.Combine(TestDatabase.RepositoryRoot(), "scripts", "local-postgres.sh"), _dataDir, _port.ToString(), action);

    [OneTimeSetUp]
    public async Task StartStandbyAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Order().LastOrDefault() : null;
        if (bin is null)
            Assert.Ignore("No PostgreSQL binaries to make a standby with.");
        var primary = new NpgsqlConnectionStringBuilder(GlobalSetup.Database.ConnectionString);
        _dataDir = Path.Combine(Path.GetTempPath(), $"headlessnews-standby-{Guid.NewGuid():N}");
        _port = TestDatabase.FreePort();
        Directory.CreateDirectory(_dataDir);
        var root = Environment.UserName == "root";
        // PostgreSQL starts only from a data directory no one else may read.
        await RunAsync("chmod", "700", _dataDir);
        if (root)
            await RunAsync("chown", "postgres:", _dataDir);
        string[] backup = [Path.Combine(bin, "bin", "pg_basebackup"), "-h", primary.Host!, "-p", primary.Port.ToString(), "-U", primary.Username!,
            "-D", _dataDir, "-R", "-X", "stream"];
        try
        {
            await (root ? RunAsync("runuser", ["-u", "postgres", "--", .. backup]) : RunAsync(backup[0], backup[1..]));
        }
        catch (InvalidOperationException e)
        {
            Assert.Ignore("The test database cannot be copied into a standby here: " + e.Message);
        }
        await StandbyAsync();
        _standby = new NpgsqlConnectionStringBuilder(GlobalSetup.Database.ConnectionString) { Host = "127.0.0.1", Port = _port }.ConnectionString;
    }

    [OneTimeTearDown]
    public async Task StopStandbyAsync()
    {
        if (_dataDir is null)
            return;
        await StandbyAsync("stop");
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [TearDown]
    public async Task ResumeReplayAsync()
    {
        try
        {
            await OnStandbyAsync("select pg_wal_replay_resume()");
        }
        catch (NpgsqlException)
        {
            await StandbyAsync();
        }
    }

    private static async Task OnStandbyAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_standby + ";Pooling=false");
        await connection.ExecuteAsync(sql);
    }

    private static SecondInstance Reader(double maxLagSeconds = 60) => SecondInstance.Start(new Dictionary<string, string?>
    {
        ["ConnectionStrings:HeadlessNewsReplica"] = _standby,
        ["HeadlessNews:Replica:CheckMilliseconds"] = "50",
        ["HeadlessNews:Replica:MaxLagSeconds"] = maxLagSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // Every read goes to a database, so the test sees which one answered.
        ["HeadlessNews:Caching:InProcessSeconds"] = "0",
    });

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> get, Func<T, bool> done, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await get();
            if (done(value) || DateTime.UtcNow > deadline)
                return value;
            await Task.Delay(50);
        }
    }

    private static async Task<string?> TitleAsync(SecondInstance instance, string slug)
    {
        var response = await instance.Anonymous.GetAsync($"/api/v1/articles/{slug}");
        return response.StatusCode == HttpStatusCode.OK ? (await ReadJsonAsync(response))["title"]!.GetValue<string>() : null;
    }

    private static async Task OnTheStandbyAsync(SecondInstance reader)
    {
        var state = reader.Factory.Services.GetRequiredService<ReplicaState>();
        Assert.That(await EventuallyAsync(() => Task.FromResult(state.UseReplica), u => u), Is.True, "the reader never turned to the standby");
    }

    [Test]
    public async Task DeliveryReadsComeFromTheStandbyButNeverFromBeforeAKnownWrite()
    {
        await using var reader = Reader();
        await CreatePublishedAsync("replica-story");
        Assert.That(await EventuallyAsync(() => TitleAsync(reader, "replica-story"), t => t is not null), Is.EqualTo("replica story"));
        await OnTheStandbyAsync(reader);

        // The standby stops replaying; a change made behind the app's back (no purge, no notification) stays unseen.
        await OnStandbyAsync("select pg_wal_replay_pause()");
        await SqlAsync<int>("update articles set title = 'Changed behind the app' where slug = 'replica-story' returning 1");
        Assert.That(await TitleAsync(reader, "replica-story"), Is.EqualTo("replica story"), "this read did not come from the standby");

        // An editor on this instance reads their own write at once.
        var created = await reader.Admin.PostAsJsonAsync("/api/v1/manage/articles",
            new { slug = "own-write", title = "Own write", summary = "s", bodyMarkdown = "b", tags = Array.Empty<string>() });
        var id = (await ReadJsonAsync(created))["id"]!.GetValue<Guid>();
        var published = await SendAsync(reader.Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/publish", null, 1);
        Assert.That(published.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await TitleAsync(reader, "own-write"), Is.EqualTo("Own write"));

        // Another instance's write: its notification carries its WAL position, which the paused standby has not reached.
        await CreatePublishedAsync("their-write");
        Assert.That(await EventuallyAsync(() => TitleAsync(reader, "their-write"), t => t is not null), Is.EqualTo("their write"));
    }

    [Test]
    public async Task AStandbyTooFarBehindSendsReadsToThePrimary()
    {
        await using var reader = Reader(maxLagSeconds: 1);
        await CreatePublishedAsync("lagging-story");
        await OnTheStandbyAsync(reader);
        await OnStandbyAsync("select pg_wal_replay_pause()");
        await SqlAsync<int>("update articles set title = 'Seen on the primary' where slug = 'lagging-story' returning 1");
        Assert.That(await EventuallyAsync(() => TitleAsync(reader, "lagging-story"), t => t == "Seen on the primary"), Is.EqualTo("Seen on the primary"));

        await OnStandbyAsync("select pg_wal_replay_resume()");
        await OnTheStandbyAsync(reader);
    }

    [Test]
    public async Task AStoppedStandbySendsReadsToThePrimaryAndTheyReturnWhenItIsBack()
    {
        await using var reader = Reader();
        await CreatePublishedAsync("steady-story");
        Assert.That(await EventuallyAsync(() => TitleAsync(reader, "steady-story"), t => t is not null), Is.Not.Null);
        await OnTheStandbyAsync(reader);

        await StandbyAsync("stop");
        for (var i = 0; i < 20; i++)
            Assert.That(await TitleAsync(reader, "steady-story"), Is.EqualTo("steady story"), $"read {i} with the standby stopped");
        Assert.That(reader.Factory.Services.GetRequiredService<ReplicaState>().ReplicaUp, Is.False);

        await StandbyAsync();
        await OnTheStandbyAsync(reader);
        Assert.That(await TitleAsync(reader, "steady-story"), Is.EqualTo("steady story"));
    }

    [Test]
    public async Task WithThePrimaryStoppedDeliveryReadsComeFromTheStandbyWritesAnswer503AndAllRecoversWhenItReturns()
    {
        await using var reader = Reader();
        await CreatePublishedAsync("outage-story");
        Assert.That(await EventuallyAsync(() => TitleAsync(reader, "outage-story"), t => t is not null), Is.Not.Null);
        await OnTheStandbyAsync(reader);

        await GlobalSetup.Database.StopAsync();
        try
        {
            var ready = await reader.Anonymous.GetAsync("/health/ready");
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the edge would take the instance out while it can still serve reads");
            Assert.That((await ReadJsonAsync(ready))["status"]!.GetValue<string>(), Is.EqualTo("Degraded"));
            for (var i = 0; i < 10; i++)
                Assert.That(await TitleAsync(reader, "outage-story"), Is.EqualTo("outage story"), $"read {i} with the primary stopped");
            var write = await reader.Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "outage", name = "Outage", kind = "topic" });
            await AssertProblemAsync(write, HttpStatusCode.ServiceUnavailable);
            Assert.That(write.Headers.RetryAfter, Is.Not.Null);
        }
        finally
        {
            await GlobalSetup.Database.StartAsync();
        }
        // Nothing is restarted: the instance's next writes find the primary again (a pooled connection that died with
        // it may cost one more 503, which drops the pool).
        var recovered = await EventuallyAsync(
            () => reader.Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "after-outage", name = "After", kind = "topic" }),
            r => r.StatusCode == HttpStatusCode.Created);
        Assert.That(recovered.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        GlobalSetup.Factory.Services.GetRequiredService<NpgsqlDataSource>().Clear();
        GlobalSetup.Factory.Services.GetRequiredService<HeadlessNews.Api.Infrastructure.Database.DeliveryDataSource>().ClearAll();
    }

    [Test]
    public async Task AReadThatFindsThePrimaryGoneIsAnsweredByTheStandbyBeforeTheMonitorLooksAgain()
    {
        // The monitor looks once at start and then not for a minute: what happens here is the read's own doing.
        await using var reader = SecondInstance.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings:HeadlessNewsReplica"] = _standby,
            ["HeadlessNews:Replica:CheckMilliseconds"] = "60000",
            ["HeadlessNews:Caching:InProcessSeconds"] = "0",
        });
        var state = reader.Factory.Services.GetRequiredService<ReplicaState>();
        Assert.That(await EventuallyAsync(() => Task.FromResult(state.ReplicaUp), up => up), Is.True, "the monitor never saw the standby");

        // This instance's own write: reads go to the primary until the monitor sees the standby replay it.
        var created = await reader.Admin.PostAsJsonAsync("/api/v1/manage/articles",
            new { slug = "primary-gone", title = "Primary gone", summary = "s", bodyMarkdown = "b", tags = Array.Empty<string>() });
        var id = (await ReadJsonAsync(created))["id"]!.GetValue<Guid>();
        Assert.That((await SendAsync(reader.Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/publish", null, 1)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(state.UseReplica, Is.False, "reads should be on the primary until the standby is seen past the write");
        // The standby has the article (it replays on its own; the instance has not looked).
        await EventuallyAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(_standby + ";Pooling=false");
            return await connection.ExecuteScalarAsync<long>("select count(*) from articles where slug = 'primary-gone' and status = 'published'");
        }, n => n == 1);

        await GlobalSetup.Database.StopAsync();
        try
        {
            var read = await reader.Anonymous.GetAsync("/api/v1/articles/primary-gone");
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a delivery read failed with the primary gone and the standby up");
            Assert.That((await ReadJsonAsync(read))["title"]!.GetValue<string>(), Is.EqualTo("Primary gone"));
            // The standby was not seen to have replayed this instance's write: the answer is for this reader only.
            Assert.That(read.Headers.CacheControl?.NoCache, Is.True, "an answer from a standby not known to be current must not be cached");
            Assert.That(state.PrimaryUp, Is.False);
            var write = await reader.Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "still-down", name = "Still down", kind = "topic" });
            await AssertProblemAsync(write, HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await GlobalSetup.Database.StartAsync();
        }
        GlobalSetup.Factory.Services.GetRequiredService<NpgsqlDataSource>().Clear();
        GlobalSetup.Factory.Services.GetRequiredService<HeadlessNews.Api.Infrastructure.Database.DeliveryDataSource>().ClearAll();
    }
}
