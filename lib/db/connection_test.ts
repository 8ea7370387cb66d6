import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { ConfigError } from "../config.ts";
import { serverConnection } from "./connection.ts";

const NEON = "postgresql://u:p@ep-x-pooler.eu-central-1.aws.neon.tech/db";

Deno.test("serverConnection - Neon URLs lose channel_binding and sslmode, keep TLS on", () => {
  const c = serverConnection(`${NEON}?sslmode=require&channel_binding=require`);
  equal(c.ssl, "require");
  equal(c.transactionPooler, false);
  deepEqual([...new URL(c.url).searchParams.keys()], []);
});

Deno.test("serverConnection - pgbouncer=true marks a transaction pooler and is not sent", () => {
  const c = serverConnection(`${NEON}?sslmode=require&pgbouncer=true&options=x`);
  equal(c.transactionPooler, true);
  // Parameters that are not ours still reach the server.
  deepEqual([...new URL(c.url).searchParams.keys()], ["options"]);
});

Deno.test("serverConnection - sslmode follows libpq's names", () => {
  equal(serverConnection("postgres://h/db").ssl, false);
  equal(serverConnection("postgres://h/db?sslmode=disable").ssl, false);
  equal(serverConnection("postgres://h/db?sslmode=prefer").ssl, "prefer");
  equal(serverConnection("postgres://h/db?sslmode=verify-full").ssl, "verify-full");
  equal(serverConnection("postgres://h/db?sslrootcert=system").ssl, "verify-full");
});

Deno.test("serverConnection - a CA (PEM text or file) checks the certificate", async () => {
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const full = serverConnection("postgres://h/db?sslmode=verify-full", pem);
  deepEqual(full.ssl, { rejectUnauthorized: true, ca: pem });
  // A CA without a mode means verify-full.
  deepEqual(serverConnection("postgres://h/db", pem).ssl, { rejectUnauthorized: true, ca: pem });
  const file = await Deno.makeTempFile({ suffix: ".pem" });
  try {
    await Deno.writeTextFile(file, pem);
    const fromUrl = serverConnection(`postgres://h/db?sslmode=verify-ca&sslrootcert=${file}`);
    const ssl = fromUrl.ssl as { ca: string; checkServerIdentity: () => undefined };
    equal(ssl.ca, pem);
    equal(ssl.checkServerIdentity(), undefined);
    equal(new URL(fromUrl.url).searchParams.has("sslrootcert"), false);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("serverConnection - bad values name the variable and what is expected", () => {
  throws(() => serverConnection("postgres://h/db?sslmode=on"), (e) => {
    ok(e instanceof ConfigError);
    equal(e.variable, "DATABASE_URL");
    ok(e.message.includes("verify-full"), e.message);
    return true;
  });
  throws(() => serverConnection("postgres://h/db?pgbouncer=maybe"), ConfigError);
  throws(
    () => serverConnection("postgres://h/db?sslmode=verify-full", "/nonexistent/ca.pem"),
    (e) => e instanceof ConfigError && e.variable === "DATABASE_CA_CERT",
  );
});
