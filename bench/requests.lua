-- wrk request generator. MODE=detail: a random article of the first N (SLUGS) under PREFIX.
-- MODE=search: a random two-word query under PREFIX. Anything else: the URL given to wrk.
local mode = os.getenv("MODE") or ""
local prefix = os.getenv("PREFIX") or "/api/v1/articles/"
local slugs = tonumber(os.getenv("SLUGS") or "100000")
local words = { "ceasefire", "border", "security", "alliance", "tariff", "grain", "election", "budget", "drone",
  "sanctions", "summit", "treaty", "inflation", "gold", "shipping", "arctic", "storm", "harbour", "hospital", "campaign" }

math.randomseed(os.time() + math.floor(os.clock() * 1000000))

request = function()
  if mode == "detail" then
    return wrk.format("GET", prefix .. string.format("bench-%06d", math.random(0, slugs - 1)))
  elseif mode == "search" then
    return wrk.format("GET", prefix .. words[math.random(#words)] .. "%20" .. words[math.random(#words)])
  end
  return wrk.format("GET")
end
