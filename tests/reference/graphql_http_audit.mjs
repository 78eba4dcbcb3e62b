// Runs the GraphQL-over-HTTP conformance audits of the npm package graphql-http (serverAudits)
// against the GraphQL endpoint given as the first argument, and prints each audit's id, name,
// status (ok, notice, warn or error) and reason as a JSON array on stdout.
import { serverAudits } from "graphql-http";

const url = process.argv[2];
const results = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    entry.reason = result.reason;
    entry.httpStatus = result.response.status;
    entry.body = await result.response.text().catch(() => "");
  }
  results.push(entry);
}
process.stdout.write(JSON.stringify(results));
