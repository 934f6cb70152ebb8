using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Features.Search;
using HeadlessNews.Api.Features.Webhooks;

namespace HeadlessNews.Tests.Infrastructure;

/// <summary>
/// The app's background services. In tests they are off unless a test asks for them (<see cref="RunsInBackgroundAttribute"/>,
/// or a factory's own argument), so no scheduler tick or delivery from one test lands in the next, and tests that do not
/// need them do not pay for them.
/// </summary>
[Flags]
public enum Background
{
    None = 0,
    /// <summary>SchedulePublisher: announces scheduled articles when their time comes.</summary>
    Scheduler = 1,
    /// <summary>WebhookDispatcher: delivers the webhook outbox.</summary>
    Webhooks = 2,
    /// <summary>SearchReindexer: re-indexes articles saved under another text-search language.</summary>
    SearchReindexer = 4,
    /// <summary>RecentBodies: keeps search's copy of the newest articles' vectors to the newest few thousand.</summary>
    RecentBodies = 8,
    All = Scheduler | Webhooks | SearchReindexer | RecentBodies,
}

/// <summary>Turns the named background services on for a test (on the method) or for every test of a fixture (on the class).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class RunsInBackgroundAttribute(Background services) : Attribute
{
    public Background Services { get; } = services;
}

internal static class BackgroundServices
{
    /// <summary>Which flag each of the app's background services answers to. A new one must be added here (a test checks).</summary>
    public static readonly IReadOnlyDictionary<Type, Background> Flags = new Dictionary<Type, Background>
    {
        [typeof(SchedulePublisher)] = Background.Scheduler,
        [typeof(WebhookDispatcher)] = Background.Webhooks,
        [typeof(SearchReindexer)] = Background.SearchReindexer,
        [typeof(HeadlessNews.Api.Features.Articles.RecentBodies)] = Background.RecentBodies,
    };

    /// <summary>
    /// Services that run in every test app: they do nothing unless the app is configured for them (the replica
    /// monitor without a replica connection string returns at once), and the tests that configure them need them.
    /// </summary>
    public static readonly IReadOnlySet<Type> AlwaysOn = new HashSet<Type> { typeof(HeadlessNews.Api.Infrastructure.Cluster.ReplicaMonitor) };

    /// <summary>What the running test asked for: its method's attribute and its fixture's, together.</summary>
    public static Background AskedForByCurrentTest(Type fixture)
    {
        var asked = fixture.GetCustomAttributes(typeof(RunsInBackgroundAttribute), inherit: true)
            .Cast<RunsInBackgroundAttribute>().Aggregate(Background.None, (all, a) => all | a.Services);
        var methodName = TestContext.CurrentContext.Test.MethodName;
        foreach (var method in fixture.GetMethods().Where(m => m.Name == methodName))
            foreach (RunsInBackgroundAttribute attribute in method.GetCustomAttributes(typeof(RunsInBackgroundAttribute), inherit: true))
                asked |= attribute.Services;
        return asked;
    }
}
