-- wrk request generator. MODE=detail: a random article of the first N (SLUGS) under PREFIX; MODE=related: its related
-- cards, eight of them (the archive curates four, so four are computed).
-- MODE=search: a random two-word query under PREFIX. MODE=suggest: the first letters of a word. Anything else: the URL given to wrk.
local mode = os.getenv("MODE") or ""
local prefix = os.getenv("PREFIX") or "/api/v1/articles/"
local slugs = tonumber(os.getenv("SLUGS") or "100000")
local words = { "ceasefire", "border", "security", "alliance", "tariff", "grain", "election", "budget", "drone",
  "sanctions", "summit", "treaty", "inflation", "gold", "shipping", "arctic", "storm", "harbour", "hospital", "campaign" }

math.randomseed(os.time() + math.floor(os.clock() * 1000000))

request = function()
  if mode == "detail" then
    return wrk.format("GET", prefix .. string.format("bench-%06d", math.random(0, slugs - 1)))
  elseif mode == "related" then
    return wrk.format("GET", prefix .. string.format("bench-%06d", math.random(0, slugs - 1)) .. "/related?limit=8")
  elseif mode == "suggest" then
    local word = words[math.random(#words)]
    return wrk.format("GET", prefix .. string.sub(word, 1, math.random(3, #word)))
  elseif mode == "search" then
    return wrk.format("GET", prefix .. words[math.random(#words)] .. "%20" .. words[math.random(#words)])
  end
  return wrk.format("GET")
end
