/**
 * Server side of islands: which components are islands, the marker element that wraps each
 * one in the HTML, and the safe serialisation of their props.
 *
 * Each island renders inside `<frsh-island data-island="Name" data-props="N">` (styled
 * `display: contents`), and all props go into one `<script type="application/json">` block.
 * Fresh 1.x used comment markers instead; an element needs no private Preact internals on
 * the client, where the reviver simply hydrates each marker element.
 * @module
 */
import { type ComponentType, h, options, type VNode } from "preact";

/** The tag name of the element that marks an island in server-rendered HTML. */
export const ISLAND_TAG = "frsh-island";
/** The id of the JSON script that holds island props and chunk URLs. */
export const STATE_ELEMENT_ID = "__FRSH_STATE";

// deno-lint-ignore no-explicit-any
type AnyComponent = ComponentType<any>;

const islandNames = new Map<AnyComponent, string>();
const wrappers = new Map<AnyComponent, AnyComponent>();
let collecting: unknown[][] | null = null;
let creatingInner = false;

/** Registers the app's islands (from the manifest) so that the server marks them. */
export function registerIslands(islands: Record<string, AnyComponent>): void {
  for (const [name, component] of Object.entries(islands)) islandNames.set(component, name);
}

/** Derives an island's name from its manifest key: `./islands/ChatWidget.tsx` → `ChatWidget`. */
export function islandName(key: string): string {
  return key.replace(/^.*\//, "").replace(/\.(tsx|ts|jsx|js)$/, "").replace(/[^A-Za-z0-9_]/g, "_");
}

function wrapperFor(component: AnyComponent, name: string): AnyComponent {
  let wrapper = wrappers.get(component);
  if (wrapper) return wrapper;
  wrapper = (props: Record<string, unknown>) => {
    const index = collecting ? collecting.push([name, props]) - 1 : -1;
    creatingInner = true;
    try {
      const inner = h(component, props);
      return h(ISLAND_TAG, { "data-island": name, "data-props": String(index) }, inner);
    } finally {
      creatingInner = false;
    }
  };
  wrappers.set(component, wrapper);
  return wrapper;
}

// Swap an island's component for its marking wrapper as its vnode is created. Only while a
// page render collects islands, and never for the vnode the wrapper itself creates.
const previousVnodeHook = options.vnode;
options.vnode = (vnode: VNode) => {
  if (collecting && !creatingInner && typeof vnode.type === "function") {
    const name = islandNames.get(vnode.type as AnyComponent);
    if (name) vnode.type = wrapperFor(vnode.type as AnyComponent, name);
  }
  previousVnodeHook?.(vnode);
};

/**
 * Runs a synchronous render while recording every island it meets, in document order.
 * Returns the render's result and the `[name, props]` of each island.
 */
export function collectIslands<T>(render: () => T): { result: T; islands: [string, unknown][] } {
  const previous = collecting;
  const found: unknown[][] = [];
  collecting = found;
  try {
    return { result: render(), islands: found as [string, unknown][] };
  } finally {
    collecting = previous;
  }
}

/**
 * Serialises a value as JSON that is safe inside a `<script>` element: `<`, `>`, `&` and the
 * two JavaScript line terminators are escaped, so a prop holding `</script>` cannot end the
 * element or inject markup.
 */
export function serializeForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
