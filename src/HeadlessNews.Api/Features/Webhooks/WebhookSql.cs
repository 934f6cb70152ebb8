namespace HeadlessNews.Api.Features.Webhooks;

internal static class WebhookSql
{
    private const string Columns = """
        id, url, events, description, enabled, disabled_reason, consecutive_failures,
        case when previous_secret_until > now() then previous_secret_until end as previous_secret_valid_until, created_at, updated_at
        """;

    public const string List = $"select {Columns} from webhook_subscriptions order by created_at, id";

    public const string ById = $"select {Columns} from webhook_subscriptions where id = @id";

    public const string Insert = $"""
        insert into webhook_subscriptions (url, events, description, enabled, secret)
        values (@Url, @Events, @Description, coalesce(@Enabled, true), @Secret)
        returning {Columns}
        """;

    // Enabling (again) clears the automatic-disable state, so the next failure run starts from zero.
    public const string Update = $"""
        update webhook_subscriptions set
            url = @Url, events = @Events, description = @Description,
            enabled = coalesce(@Enabled, enabled),
            disabled_reason = case when coalesce(@Enabled, enabled) then null else disabled_reason end,
            consecutive_failures = case when coalesce(@Enabled, enabled) and not enabled then 0 else consecutive_failures end,
            updated_at = now()
        where id = @Id
        returning {Columns}
        """;

    public const string Delete = "delete from webhook_subscriptions where id = @id";

    public const string RotateSecret = $"""
        update webhook_subscriptions set
            previous_secret = secret, previous_secret_until = now() + make_interval(secs => @overlapSeconds),
            secret = @secret, updated_at = now()
        where id = @id
        returning {Columns}
        """;

    private const string DeliveryColumns = """
        d.id, d.event_id, e.type as event_type, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at,
        d.last_status_code, d.last_error, d.created_at
        """;

    public const string Deliveries = $"""
        select {DeliveryColumns}
        from webhook_deliveries d join events e on e.id = d.event_id
        where d.subscription_id = @id
          and (@status::text is null or d.status = @status)
          and (@afterAt::timestamptz is null or (d.created_at, d.id) < (@afterAt, @afterId))
        order by d.created_at desc, d.id desc
        limit @limit
        """;

    public const string Delivery = $"""
        select {DeliveryColumns}
        from webhook_deliveries d join events e on e.id = d.event_id
        where d.subscription_id = @id and d.id = @deliveryId;
        select attempt, attempted_at, status_code, error, duration_ms
        from webhook_attempts where delivery_id = @deliveryId order by attempt;
        """;

    public const string Redeliver = """
        update webhook_deliveries set status = 'pending', next_attempt_at = now(), attempts_at_replay = attempts
        where subscription_id = @id and id = @deliveryId
        """;

    public const string ReplayDead = """
        update webhook_deliveries set status = 'pending', next_attempt_at = now(), attempts_at_replay = attempts
        where subscription_id = @id and status = 'dead'
        """;

    // Due deliveries of enabled subscriptions that are not busy in this process, oldest due first, then in the
    // order their events happened. The caller keeps at most one per subscription and leases it (next_attempt_at
    // moves past the attempt's timeout).
    public const string DueCandidates = """
        select d.id, d.subscription_id
        from webhook_deliveries d
        join webhook_subscriptions s on s.id = d.subscription_id
        join events e on e.id = d.event_id
        where d.status = 'pending' and d.next_attempt_at <= now() and s.enabled
          and d.subscription_id <> all(@busy)
        order by d.next_attempt_at, e.seq
        limit @limit
        for update of d skip locked
        """;

    // The next due delivery of one subscription, leased in the transaction that records the one before it.
    public const string LeaseNextOfSubscription = $"""
        with next as (
            select d.id
            from webhook_deliveries d
            join webhook_subscriptions s on s.id = d.subscription_id
            join events e on e.id = d.event_id
            where d.subscription_id = @subscriptionId and d.status = 'pending' and d.next_attempt_at <= now() and s.enabled
            order by d.next_attempt_at, e.seq
            limit 1
            for update of d skip locked
        )
        update webhook_deliveries d set next_attempt_at = now() + make_interval(secs => @leaseSeconds), attempts = attempts + 1
        from next, events e, webhook_subscriptions s
        where d.id = next.id and e.id = d.event_id and s.id = d.subscription_id
        returning {Leased}
        """;

    // A paused subscription keeps at most @limit waiting deliveries: beyond that the oldest become dead letters,
    // which an admin can still replay.
    public const string CapPausedBacklog = """
        update webhook_deliveries d
        set status = 'dead', last_error = format('Over %s deliveries waited while the subscription was paused.', @limit)
        from (
            select w.id, row_number() over (partition by w.subscription_id order by w.created_at desc, w.id) as newer
            from webhook_deliveries w join webhook_subscriptions s on s.id = w.subscription_id
            where w.status = 'pending' and not s.enabled
        ) old
        where d.id = old.id and old.newer > @limit
        """;

    // What the dispatcher needs of a leased delivery: the event, and where and how to sign and send it.
    private const string Leased = """
        d.id, d.subscription_id, d.attempts, d.attempts_at_replay, e.id as event_id, e.type, e.occurred_at, e.data::text as data,
        s.url, s.secret, case when s.previous_secret_until > now() then s.previous_secret end as previous_secret
        """;

    public const string Lease = $"""
        update webhook_deliveries d set next_attempt_at = now() + make_interval(secs => @leaseSeconds), attempts = attempts + 1
        from events e, webhook_subscriptions s
        where d.id = any(@ids) and e.id = d.event_id and s.id = d.subscription_id
        returning {Leased}
        """;

    public const string Succeeded = """
        insert into webhook_attempts (delivery_id, attempt, status_code, duration_ms) values (@id, @attempt, @statusCode, @durationMs);
        update webhook_deliveries set status = 'succeeded', last_attempt_at = now(), last_status_code = @statusCode, last_error = null
        where id = @id;
        update webhook_subscriptions set consecutive_failures = 0 where id = @subscriptionId;
        """;

    // A failure: retry later, or dead-letter when out of attempts (or when the receiver said 410); the
    // subscription is disabled after a run of failures, or at once on 410.
    public const string Failed = """
        insert into webhook_attempts (delivery_id, attempt, status_code, error, duration_ms) values (@id, @attempt, @statusCode, @error, @durationMs);
        update webhook_deliveries set
            status = case when @dead then 'dead' else 'pending' end,
            next_attempt_at = now() + make_interval(secs => @retryInSeconds),
            last_attempt_at = now(), last_status_code = @statusCode, last_error = @error
        where id = @id;
        update webhook_subscriptions set
            consecutive_failures = consecutive_failures + 1,
            enabled = enabled and not @gone and consecutive_failures + 1 < @disableAfter,
            disabled_reason = case
                when @gone then 'The receiver answered 410 Gone.'
                when enabled and consecutive_failures + 1 >= @disableAfter then format('%s failed attempts in a row.', consecutive_failures + 1)
                else disabled_reason end
        where id = @subscriptionId;
        """;
}
