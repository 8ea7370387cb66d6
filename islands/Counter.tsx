import { useState } from "preact/hooks";

interface CounterProps {
  /** Text shown beside the button. */
  label: string;
}

/** A small island that proves the page hydrated: the button only works after hydration. */
export default function Counter({ label }: CounterProps) {
  const [clicks, setClicks] = useState(0);
  return (
    <p class="counter">
      <span class="counter-label">{label}</span>{" "}
      <button type="button" onClick={() => setClicks((n) => n + 1)}>
        {clicks === 0 ? "Click me" : `Clicked ${clicks} ${clicks === 1 ? "time" : "times"}`}
      </button>
    </p>
  );
}
