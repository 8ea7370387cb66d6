/**
 * `DATABASE_URL` → postgres.js options: TLS from `sslmode` (libpq's names) with an optional CA
 * file, and the transaction-pooler switch. Parameters that are ours or libpq's are taken out of
 * the URL, because postgres.js sends every parameter it does not know to the server as a
 * setting, and servers and poolers refuse settings they do not know.
 * @module
 */
import type postgres from "postgres";
import { ConfigError } from "../config.ts";

/** How to reach a Postgres server. */
export interface ServerConnection {
  /** The URL without the parameters handled here. */
  url: string;
  /** TLS: false (none), "prefer", "require" (encrypted, unchecked), or checked options. */
  ssl: postgres.Options<Record<string, never>>["ssl"];
  /**
   * `pgbouncer=true`: the server is reached through a pooler in transaction mode (PgBouncer,
   * Supavisor, Neon's pooled endpoint), where consecutive statements may run on different
   * server connections: no named prepared statements, no session settings.
   */
  transactionPooler: boolean;
}

const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
type SslMode = (typeof SSL_MODES)[number];

/**
 * Reads the connection settings of a `postgres://` URL. `caCert` is `DATABASE_CA_CERT` or
 * `PGSSLROOTCERT`: PEM text or the path of a PEM file (a `sslrootcert` URL parameter wins).
 * @example
 * ```ts
 * const { url, ssl } = serverConnection("postgres://u:p@db.example.com/app?sslmode=require");
 * ```
 */
export function serverConnection(databaseUrl: string, caCert?: string): ServerConnection {
  const parsed = new URL(databaseUrl);
  const take = (name: string) => {
    const value = parsed.searchParams.get(name) ?? undefined;
    parsed.searchParams.delete(name);
    return value === "" ? undefined : value;
  };
  // Neon's connection strings carry channel_binding=require; postgres.js negotiates SCRAM itself.
  take("channel_binding");
  const pooler = take("pgbouncer");
  if (pooler !== undefined && !["true", "1", "false", "0"].includes(pooler)) {
    throw new ConfigError("DATABASE_URL", `pgbouncer= expects true or false, got "${pooler}"`);
  }
  const mode = take("sslmode");
  if (mode !== undefined && !(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(
      "DATABASE_URL",
      `sslmode= expects one of ${SSL_MODES.join(", ")}, got "${mode}"`,
    );
  }
  const rootCert = take("sslrootcert");
  const system = rootCert === "system";
  const ca = system ? undefined : readCa(rootCert ?? caCert, rootCert ? "DATABASE_URL" : undefined);
  // A CA given without a mode means the server's certificate is to be checked.
  const sslMode: SslMode = (mode as SslMode | undefined) ??
    (ca || system ? "verify-full" : "disable");
  return {
    url: parsed.toString(),
    ssl: sslOptions(sslMode, ca),
    transactionPooler: pooler === "true" || pooler === "1",
  };
}

function sslOptions(mode: SslMode, ca?: string): ServerConnection["ssl"] {
  switch (mode) {
    case "disable":
      return false;
    case "allow":
    case "prefer":
      return "prefer";
    case "require":
      return "require";
    case "verify-ca":
      // The chain is checked, the host name is not (libpq's verify-ca).
      return {
        rejectUnauthorized: true,
        ...(ca ? { ca } : {}),
        checkServerIdentity: () => undefined,
      };
    case "verify-full":
      return ca ? { rejectUnauthorized: true, ca } : "verify-full";
  }
}

function readCa(source: string | undefined, variable = "DATABASE_CA_CERT"): string | undefined {
  if (!source) return undefined;
  if (source.includes("-----BEGIN")) return source;
  try {
    return Deno.readTextFileSync(source);
  } catch (error) {
    throw new ConfigError(
      variable,
      `cannot read the CA certificate file ${source}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}
