import sqlPlugin, { createDatabaseAdapter } from "@elizaos/plugin-sql";
import { randomUUID } from "node:crypto";
const t0 = Date.now();
const adapter = createDatabaseAdapter({ dataDir: process.argv[2] }, randomUUID());
await adapter.init();
const t1 = Date.now();
await adapter.runPluginMigrations([{ name: sqlPlugin.name, schema: sqlPlugin.schema }], { verbose: false, force: false, dryRun: false });
console.log("init", t1 - t0, "migrate", Date.now() - t1);
process.exit(0);
