import type { State } from "../lib/state.ts";

/** The site header: the site's name, and who is signed in with sign-in/out links. */
export function Header({ state }: { state: State }) {
  const { site } = state.services.settings;
  const user = state.user;
  return (
    <header class="site-header">
      <a href="/" class="site-name">{site.title}</a>
      <nav aria-label="Account" class="account">
        {user
          ? (
            <form method="post" action="/auth/signout" class="signout">
              <span class="signed-in-as">
                Signed in as <strong>{user.name || user.email}</strong>
              </span>{" "}
              <button type="submit">Sign out</button>
            </form>
          )
          : (
            <>
              <a href="/auth/signin">Sign in</a> <a href="/auth/signup">Sign up</a>
            </>
          )}
      </nav>
    </header>
  );
}
