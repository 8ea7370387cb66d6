/**
 * The client entry: finds every island marker in the page, loads its chunk and hydrates it
 * with the props the server serialised. Only islands ship JavaScript.
 * @module
 */
import { type ComponentType, h, hydrate } from "preact";

const ISLAND_TAG = "frsh-island";
const STATE_ELEMENT_ID = "__FRSH_STATE";

interface IslandState {
  islands: Record<string, string>;
  props: Record<string, unknown>[];
}

async function revive(): Promise<void> {
  const stateElement = document.getElementById(STATE_ELEMENT_ID);
  if (!stateElement?.textContent) return;
  const state = JSON.parse(stateElement.textContent) as IslandState;
  const modules = new Map<string, Promise<{ default: ComponentType }>>();
  const load = (name: string) => {
    let module = modules.get(name);
    if (!module) {
      module = import(state.islands[name]);
      modules.set(name, module);
    }
    return module;
  };
  const markers = document.querySelectorAll<HTMLElement>(ISLAND_TAG);
  await Promise.all([...markers].map(async (marker) => {
    const name = marker.dataset.island ?? "";
    const props = state.props[Number(marker.dataset.props)] ?? {};
    const { default: Island } = await load(name);
    hydrate(h(Island, props), marker);
  }));
  document.documentElement.dataset.hydrated = "true";
}

revive().catch((error) => console.error("island hydration failed", error));
