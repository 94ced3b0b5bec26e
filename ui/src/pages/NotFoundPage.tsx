import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        No page of the groundset UI has this address. <Link to="/">See the datasets</Link>.
      </p>
    </>
  );
}
