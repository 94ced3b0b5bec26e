// The page URLs (fixed by the UI's contract: tests, docs and links use them).
import { createBrowserRouter } from "react-router";
import { Layout } from "./components/Layout";
import { ComparePage } from "./pages/ComparePage";
import { DatasetPage } from "./pages/DatasetPage";
import { DatasetsPage } from "./pages/DatasetsPage";
import { DiffPage } from "./pages/DiffPage";
import { ExamplesPage } from "./pages/ExamplesPage";
import { ExperimentPage } from "./pages/ExperimentPage";
import { NotFoundPage } from "./pages/NotFoundPage";

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: "/", element: <DatasetsPage /> },
      { path: "/datasets/:datasetId", element: <DatasetPage /> },
      { path: "/datasets/:datasetId/versions/:versionId", element: <ExamplesPage /> },
      { path: "/datasets/:datasetId/diff", element: <DiffPage /> },
      { path: "/experiments/:experimentId", element: <ExperimentPage /> },
      { path: "/compare", element: <ComparePage /> },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
