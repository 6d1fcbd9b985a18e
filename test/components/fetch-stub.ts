/**
 * Replaces `fetch` for the registry token exchange while a suite runs (the mocked registries do
 * not exist). Returns the URLs asked for.
 */
export function stubRegistryExchange(): { urls: string[] } {
  const realFetch = globalThis.fetch;
  const seen = { urls: [] as string[] };
  before(() => {
    globalThis.fetch = ((url: string) => {
      seen.urls.push(url);
      return Promise.resolve(new Response(JSON.stringify({ refresh_token: "registry-refresh-token" }), { status: 200 }));
    }) as typeof fetch;
  });
  after(() => {
    globalThis.fetch = realFetch;
  });
  return seen;
}
