/**
 * The Store contract (protocol §9) and its Postgres implementation.
 *
 * `store.forOwner(owner)` gives a view bound to one owner; every statement it runs is filtered by
 * that owner, so another owner's thread, item or attachment simply does not exist (`null` / no-op).
 * Lists use keyset pagination on `(created_at, seq)`: stable on timestamp ties, `after` is the
 * exclusive id of the last entry of the previous page, default limit 20, clamped to 100.
 * @module
 */
export * from "./contract.ts";
export { PostgresStore } from "./postgres.ts";
