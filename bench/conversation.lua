-- wrk script for bench/conversation.sh: MODE=post sends new comments as the reader in TOKEN, each with its own text
-- (the same text twice within the duplicate window would be a 409); otherwise plain GETs of the given URL.
local counter = 0
local thread_tag = 0

function setup(thread)
  thread_tag = thread_tag + 1
  thread:set("tag", thread_tag)
end

function init(args)
  math.randomseed(os.time() + (tag or 0))
  salt = math.random(1, 1000000000)
end

function request()
  if os.getenv("MODE") ~= "post" then
    return wrk.format("GET")
  end
  counter = counter + 1
  local body = string.format('{"body":"Bench thought %d from thread %d (%d). See https://example.org/%d"}', counter, tag or 0, salt, counter)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  }, body)
end
