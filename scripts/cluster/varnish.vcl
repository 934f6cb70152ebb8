vcl 4.1;
# The edge of scripts/run-cluster.sh: Varnish with the xkey module in front of two API instances. It caches what the
# API says it may (Cache-Control on delivery responses), tags each cached response with its Surrogate-Key header, and
# lets the API purge by those keys (PURGE with an xkey header) after every committed write.
import directors;
import std;
import xkey;

# Ready: the instance reaches its database (or, with the primary gone, its standby).
probe ready {
    .url = "/health/ready";
    .interval = 1s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}

backend api1 { .host = "127.0.0.1"; .port = "API1_PORT"; .probe = ready; .connect_timeout = 1s; .first_byte_timeout = 30s; }
backend api2 { .host = "127.0.0.1"; .port = "API2_PORT"; .probe = ready; .connect_timeout = 1s; .first_byte_timeout = 30s; }

# Only the API instances (loopback here) may purge.
acl purgers { "127.0.0.1"; "::1"; }

sub vcl_init {
    new apis = directors.round_robin();
    apis.add_backend(api1);
    apis.add_backend(api2);
}

sub vcl_recv {
    set req.backend_hint = apis.backend();
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey) {
            return (synth(400, "An xkey header with the surrogate keys to purge is required"));
        }
        # Hard purge: the next request fetches afresh, never the old object in grace.
        set req.http.purged = xkey.purge(req.http.xkey);
        return (synth(200, "Purged " + req.http.purged));
    }
    # Management, health and anything keyed are the API's alone; the built-in VCL also passes Authorization.
    if (req.url ~ "^/api/v1/manage" || req.url ~ "^/health") {
        return (pass);
    }
}

sub vcl_backend_fetch {
    # A retry goes to the instance that did not just fail (the round robin, shared by every fetch, may hand the same
    # one out again), and to the first one again only on a third attempt.
    if (bereq.retries > 0) {
        if (bereq.http.X-Failed-Backend == "api1") {
            set bereq.backend = api2;
        } else {
            set bereq.backend = api1;
        }
    }
    unset bereq.http.X-Failed-Backend;
}

# Reads are idempotent: one that found no instance to answer (connection refused or reset: an instance killed
# mid-response, or not yet marked sick by its probe) is tried on the other instance, at most twice more.
sub vcl_backend_error {
    if (bereq.retries < 2 && (bereq.method == "GET" || bereq.method == "HEAD")) {
        set bereq.http.X-Failed-Backend = beresp.backend;
        return (retry);
    }
    # A background refresh of an object in grace failed: keep serving the stale object rather than an error.
    if (bereq.is_bgfetch) {
        return (abandon);
    }
}

sub vcl_backend_response {
    # An instance that answers 5xx to a read (its database connection lost mid-query, shutting down) leaves the read
    # to the other instance; when that fails too, a stale object in grace is kept rather than replaced by the error.
    if (beresp.status >= 500 && (bereq.method == "GET" || bereq.method == "HEAD")) {
        if (bereq.retries < 1) {
            set bereq.http.X-Failed-Backend = beresp.backend;
            return (retry);
        }
        if (bereq.is_bgfetch) {
            return (abandon);
        }
    }
    # Only what names its surrogate keys can be purged, so only that is cached: an error or a 404 (an article not yet
    # published) is never kept past the write that changes it.
    if (!beresp.http.Surrogate-Key) {
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    # Grace comes from stale-while-revalidate; past it the object is kept for conditional fetches (304s).
    set beresp.keep = 1h;
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
