// A tiny static server for public/ (any static server will do): node serve.mjs [port] [api]
// Prints the one URL to open (port 0 picks a free one), with ?api= when the API is given.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "public");
const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml", ".ico": "image/x-icon",
  ".map": "application/json",
};
const port = Number(process.argv[2] ?? 5173);
const api = process.argv[3];

const server = createServer(async (request, response) => {
  const path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
  // The type follows the file actually sent: "/" is index.html.
  const file = path.endsWith("/") ? join(path, "index.html") : path;
  try {
    const body = await readFile(join(root, file));
    response.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not found");
  }
});
// A port already taken is one line saying what to do, not a stack trace.
server.on("error", (error) => {
  console.error(error.code === "EADDRINUSE"
    ? `Port ${port} is already in use: choose another (FRONTEND_PORT=... scripts/run-frontend.sh; 0 picks a free one).`
    : `The front end cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, "127.0.0.1", () => {
  const url = `http://127.0.0.1:${server.address().port}/` + (api ? `?api=${api}` : "");
  console.log(`Front end on ${url}`);
});
