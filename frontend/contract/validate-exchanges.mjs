// Checks recorded HTTP exchanges against openapi.yaml with Prism's own router and response validator (the code
// `prism proxy --errors` runs on every upstream answer), so the test suite's traffic is judged by an independent,
// maintained OpenAPI implementation rather than by our reading of the document.
//
// Protocol (one JSON value per line): a request line is an array of exchanges
// {method, path, status, headers: {name: value}, body: string, or null when it was too large to keep}; the answer line is an array of
// {operation, status, problems: [string]} in the same order. The line "coverage" answers
// {received: [...], missing: [...]}, each "OperationId status": documented answers that exchanges so far did and
// did not receive.
import { createInterface } from "node:readline";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { getHttpOperationsFromSpec } = require("@stoplight/prism-http");
const route = require("@stoplight/prism-http/dist/router").default;
const { validateOutput } = require("@stoplight/prism-http/dist/validator");

const operations = await getHttpOperationsFromSpec(process.argv[2]);
const exercised = new Set();

// Hostile-input tests send paths that are not valid percent-encoding: those are matched as they are.
function decoded(path) {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

// The document itself and its UI are served beside the API, not described in it, and so are the demo newsroom's
// images (static files that exist only with the demo content); CORS preflights (OPTIONS) are answered by the CORS
// middleware from its policy, which OpenAPI has no words for.
const notOperations = /^\/(openapi|docs|demo\/images)\//;

function check({ method, path, status, headers, body }) {
  const url = new URL(path, "http://localhost");
  if (notOperations.test(url.pathname) || method === "OPTIONS")
    return { operation: `${method} ${url.pathname}`, status, problems: [] };
  // HEAD is GET without the body (RFC 9110 9.3.2): the document describes it once, under GET.
  const head = method === "HEAD";
  const skipBody = head || body === null;
  const routed = route({
    resources: operations,
    input: { method: (head ? "get" : method.toLowerCase()), url: { path: decoded(url.pathname), query: {} }, headers },
  });
  if (routed._tag === "Left")
    return { operation: `${method} ${url.pathname}`, status, problems: [`no operation in openapi.yaml: ${routed.left.message}`] };
  const operation = routed.right;
  const name = operation.iid ?? `${method} ${operation.path}`;
  exercised.add(`${name} ${status}`);
  const contentType = headers["content-type"] ?? "";
  let parsed = body;
  if (!skipBody && body !== "" && /[/+]json\b/.test(contentType)) {
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return { operation: name, status, problems: [`body is not JSON: ${e.message}`] };
    }
  }
  // Without a body to check, only the status and the headers are, against the answer of that status.
  const resource = skipBody ? { ...operation, responses: operation.responses.map(r => ({ ...r, contents: [] })) } : operation;
  const result = validateOutput({ resource, element: { statusCode: status, headers, body: skipBody ? undefined : parsed } });
  const problems = result._tag === "Left"
    ? result.left.map(d => (d.path?.length ? d.path.join(".") + ": " : "") + d.message)
    : [];
  return { operation: name, status, problems };
}

function coverage() {
  const documented = operations.flatMap(operation => operation.responses.map(response => `${operation.iid} ${response.code}`));
  return { received: documented.filter(d => exercised.has(d)), missing: documented.filter(d => !exercised.has(d)) };
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim())
    continue;
  const answer = line.trim() === '"coverage"' ? coverage() : JSON.parse(line).map(exchange => {
    try {
      return check(exchange);
    } catch (e) {
      return { operation: `${exchange.method} ${exchange.path}`, status: exchange.status, problems: [`the validator failed: ${e.stack}`] };
    }
  });
  process.stdout.write(JSON.stringify(answer) + "\n");
}
