// A partner's script with the TypeScript client generated from the schema (openapi-typescript
// types, openapi-fetch): lists sorted and filtered, several actions by code in one request, a
// new action with an Idempotency-Key (sent twice: one action), then changed with If-Match.
// Compiled with tsc (strict) and run by scripts/clients/check: node check.js BASE_URL TOKEN
import createClient from "openapi-fetch";
import type { paths } from "./generated/schema.js";

// What this script needs of Node, without @types/node.
declare const process: { argv: string[]; exit(code: number): never };

function check(condition: unknown, what: string): asserts condition {
  if (!condition) {
    console.error(`typescript client: ${what}`);
    process.exit(1);
  }
}

async function main(baseUrl: string, token: string): Promise<void> {
  const client = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Token ${token}` },
  });
  const page = await client.GET("/api/v1/actions/", {
    params: { query: { ordering: ["-code"], page_size: 5 } },
  });
  // A list answers JSON, CSV or XLSX (`format`); JSON unless asked otherwise.
  const list = page.data;
  check(page.response.status === 200 && typeof list === "object", `list: ${page.response.status}`);
  const codes = list.results.map((action) => action.code ?? "");
  check(codes.length === 5 && codes.join() === [...codes].sort().reverse().join(), `ordering: ${codes}`);
  const many = await client.GET("/api/v1/actions/", {
    params: { query: { code: codes.slice(0, 3) } },
  });
  const manyList = many.data;
  check(typeof manyList === "object" && manyList.results.length === 3, "fetch many by code");

  const first = list.results[0];
  const body = { agreement: first.agreement.code, owner: first.owner.code, title: "Client check (TS)" };
  const key = crypto.randomUUID();
  const made = await client.POST("/api/v1/actions/", {
    body,
    params: { header: { "Idempotency-Key": key } },
  });
  check(made.response.status === 201 && made.data !== undefined, `create: ${made.response.status}`);
  const again = await client.POST("/api/v1/actions/", {
    body,
    params: { header: { "Idempotency-Key": key } },
  });
  check(again.data?.id === made.data!.id, "Idempotency-Key replays");

  const id = String(made.data!.id);
  const read = await client.GET("/api/v1/actions/{id}/", { params: { path: { id } } });
  const etag = read.response.headers.get("ETag") ?? "";
  const changed = await client.PATCH("/api/v1/actions/{id}/", {
    params: { path: { id }, header: { "If-Match": etag } },
    body: { progress: 40 },
  });
  check(changed.data?.progress === 40, `patch: ${changed.response.status}`);
  check((read.response.headers.get("API-Version") ?? "").split(".").length === 3, "API-Version");
  console.log(`typescript client: ok (action ${id})`);
}

await main(process.argv[2], process.argv[3]);
