/** What letRedisTimePass needs of a node-redis client, whatever scripts it carries. */
interface EvalClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

// KEYS: the keys to age; ARGV[1]: by how many ms. PTTL is -2 for a missing key, -1 for one without expiry.
const PASS_TIME = `
local ms = tonumber(ARGV[1])
for i = 1, #KEYS do
  local left = redis.call('PTTL', KEYS[i])
  if left > ms then redis.call('PEXPIRE', KEYS[i], left - ms)
  elseif left >= 0 then redis.call('DEL', KEYS[i]) end
end
return 0`;

/**
 * Lets `ms` of Redis's time pass for `keys` at once: each loses that much of its lifetime and those it
 * ends are gone, as Redis would have them by then; a key without an expiry keeps none. A test whose
 * checks must fall inside a lifetime can then give it a long one, rather than a short one and a real
 * wait that a loaded machine's next check may overrun.
 */
export async function letRedisTimePass(client: EvalClient, keys: readonly string[], ms: number): Promise<void> {
  if (keys.length === 0) return;
  await client.eval(PASS_TIME, { keys: [...keys], arguments: [String(ms)] });
}
