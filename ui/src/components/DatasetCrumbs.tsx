import { Link } from "react-router";
import { paths } from "../lib/paths";

/** The breadcrumb of a page inside a dataset: Datasets › the dataset › `here`. */
export function DatasetCrumbs({ dataset, here }: { dataset: { id: string; name: string }; here: string }) {
  return (
    <nav aria-label="breadcrumb">
      <ul>
        <li>
          <Link to={paths.datasets()}>Datasets</Link>
        </li>
        <li>
          <Link to={paths.dataset(dataset.id)}>{dataset.name}</Link>
        </li>
        <li>{here}</li>
      </ul>
    </nav>
  );
}
