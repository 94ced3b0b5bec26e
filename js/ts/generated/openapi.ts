// Generated from server/openapi.json by scripts/openapi.mjs (openapi-typescript). Do not edit:
// run `node scripts/openapi.mjs` after the server's contract changes.

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health
         * @description Liveness; never needs the API key. Any other method is 405 `method_not_allowed`.
         */
        get: operations["health_health_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Datasets
         * @description Datasets by id, a page at a time; `name` filters by exact name (422 `invalid_text` if it
         *     holds U+0000, which no name can).
         */
        get: operations["list_datasets_v1_datasets_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Dataset
         * @description The dataset with its `example_count`.
         */
        get: operations["get_dataset_v1_datasets__dataset_id__get"];
        put?: never;
        post?: never;
        /**
         * Delete Dataset
         * @description Delete the dataset with all its versions, examples and revisions.
         */
        delete: operations["delete_dataset_v1_datasets__dataset_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/diff": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Diff
         * @description The source_ids created, updated and deleted between two versions, each given by id or
         *     by tag (`from_version_id` or `from_tag`, `to_version_id` or `to_tag`; 422 `version_and_tag`
         *     for both of a pair, `invalid_request` for neither).
         */
        get: operations["get_diff_v1_datasets__dataset_id__diff_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/examples": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Examples
         * @description The examples of a version (by `version_id` or `tag`, the latest by default) in id order,
         *     a page at a time (`limit` up to 10,000, default 1,000; `next_cursor` continues), or as
         *     NDJSON with `Accept: application/x-ndjson`: every example after `cursor`, or at most
         *     `limit` of them. `q` and `source_id` keep the examples they match (both: those matching
         *     both); the cursor goes on through the matches.
         */
        get: operations["list_examples_v1_datasets__dataset_id__examples_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/experiments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Experiments
         * @description The dataset's experiments newest first, a page at a time; `version_id` (or the version's
         *     `tag`, not both: 422 `version_and_tag`) keeps those pinned to that version. `name` and
         *     `before` with `limit=1` select "the latest experiment named X before Y". 404
         *     `experiment_not_found` when `before` names no experiment.
         */
        get: operations["list_experiments_v1_datasets__dataset_id__experiments_get"];
        put?: never;
        /**
         * Create Experiment
         * @description Create an experiment pinned to one version of the dataset, given by `version_id` or `tag`
         *     (the latest if neither; both: 422 `version_and_tag`; 404 `tag_not_found`): its runs may
         *     only name examples of that version. With `selection`, only the examples it selects (found
         *     once, now): source ids not in the version are 422 `unknown_source_ids` (the first 100 in
         *     `unknown_source_ids`, how many in `unknown_count`), a selection of no example 422
         *     `empty_selection`, and a run of an example it left out 422 `example_not_in_selection`.
         */
        post: operations["create_experiment_v1_datasets__dataset_id__experiments_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export Dataset
         * @description A version (by `version_id` or `tag`, else the latest) as a file that `groundset upsert
         *     FILE --id-key ID_KEY --mode mirror` syncs back as a no-op: `format=jsonl`
         *     (`application/jsonl`, one `{ID_KEY, input, output, metadata}` object per line) or
         *     `format=csv` (`text/csv`, dotted string columns and `:json` typed columns, docs/hashing.md
         *     section 5); examples in the order they were first created, streamed in bounded memory,
         *     with `Content-Disposition: attachment; filename="<dataset>-v<version>.<format>"` and
         *     `X-Version-Id` (the version exported, also when none was named). 422
         *     `invalid_id_key` for an id key the file could not be read back by (`input`, `output`,
         *     `metadata`, empty; in CSV also one with `.` or `:`), 422 `dataset_has_no_version`.
         */
        get: operations["export_dataset_v1_datasets__dataset_id__export_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/manifest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Manifest
         * @description Every `[source_id, content_hash]` pair of a version (by `version_id` or `tag`, the
         *     latest by default), sorted as the digest sorts them.
         */
        get: operations["get_manifest_v1_datasets__dataset_id__manifest_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/schema": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Schema
         * @description The dataset's schemas; 404 `schema_not_found` when none is set.
         */
        get: operations["get_schema_v1_datasets__dataset_id__schema_get"];
        /**
         * Set Schema
         * @description Set the dataset's schemas (each part optional; null: none for that part). 422
         *     `invalid_schema` when a part is not a valid draft 2020-12 schema (`path` in the body, every
         *     problem in `errors`; a `$schema` of another dialect and a `$ref` leaving the schema are
         *     refused, nothing is fetched); 422 `schema_violation` when examples of the latest version
         *     violate it (each with `source_id`, `path`, `schema_path`, the first 100 and `more_errors`;
         *     nothing stored) unless `force`, which stores it marked `forced`; 422 `empty_schema` when
         *     every part is null (remove the schema with DELETE). `format` is an annotation.
         */
        put: operations["set_schema_v1_datasets__dataset_id__schema_put"];
        post?: never;
        /**
         * Delete Schema
         * @description Remove the schemas (recorded in the history); 404 `schema_not_found`.
         */
        delete: operations["delete_schema_v1_datasets__dataset_id__schema_delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/schema/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Schema History
         * @description Every change of the schemas, newest first; a deletion has three null parts.
         */
        get: operations["schema_history_v1_datasets__dataset_id__schema_history_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Tags
         * @description The dataset's tags by name (code point order), a page at a time.
         */
        get: operations["list_tags_v1_datasets__dataset_id__tags_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/tags/{tag}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Tag
         * @description The tag and the version it points at; 404 `tag_not_found`.
         */
        get: operations["get_tag_v1_datasets__dataset_id__tags__tag__get"];
        /**
         * Set Tag
         * @description Point the tag at `version_id`: 201 when created; 200 when moved (`move: true`) or
         *     already there. 409 `tag_exists` (members `tag` and `version_id`, where it points now) when
         *     it points at another version without `move`; 422 `invalid_tag` (empty, over 512
         *     characters, only whitespace, all digits, `.` or `..`, with `/` (sent as `%2F` too), with
         *     white space at either end or a control character: C0, DEL, C1; the last two for a tag being
         *     set only, so one made before stays readable), `invalid_text` (U+0000, or a path that is not
         *     UTF-8), `lone_surrogate`; 404 `dataset_not_found`, `version_not_found`.
         */
        put: operations["set_tag_v1_datasets__dataset_id__tags__tag__put"];
        post?: never;
        /**
         * Delete Tag
         * @description Delete the tag (its history stays readable); 404 `tag_not_found`.
         */
        delete: operations["delete_tag_v1_datasets__dataset_id__tags__tag__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/tags/{tag}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tag History
         * @description Every change of the tag, oldest first: `created`, `moved` (with the version before) and
         *     `deleted`, each with when. A deleted tag's history is still here; 404 `tag_not_found` only
         *     for a tag the dataset never had.
         */
        get: operations["tag_history_v1_datasets__dataset_id__tags__tag__history_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Versions
         * @description Versions newest first, each with its counts and its digest (stored with the version; computed
         *     on read for a version made before digests were stored).
         */
        get: operations["list_versions_v1_datasets__dataset_id__versions_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{dataset_id}/versions/{version_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get Version */
        get: operations["get_version_v1_datasets__dataset_id__versions__version_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/upsert": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upsert
         * @description Create a version from the request's examples (merge or mirror); nothing changed: no version.
         *
         *     422 `missing_content`: examples sent with a `content_hash` but no `input` that no plan
         *     explains (the dataset has no version yet, or is at the version the request expected), each
         *     named in `errors`; nothing is written.
         *
         *     With `manifest_digest` instead of `examples`: the no-op when it equals the latest version's
         *     digest (one indexed read, whatever the dataset's size), else 409 `digest_differs`.
         *
         *     With a plan's `plan_id`: only the examples the plan needs, the rest of the manifest taken
         *     from the plan (409 `plan_expired`: send the whole manifest instead; 422 `plan_mismatch`).
         */
        post: operations["upsert_v1_datasets_upsert_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/upsert/plan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Plan
         * @description Classify a manifest of (source_id, content_hash) without writing: which contents to send,
         *     and the `plan_id` under which this server process keeps the plan for the upsert.
         */
        post: operations["plan_v1_datasets_upsert_plan_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/experiments/{experiment_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Experiment
         * @description The experiment with its summary: runs, errors, incomplete pairs, per-evaluator mean score.
         */
        get: operations["get_experiment_v1_experiments__experiment_id__get"];
        put?: never;
        post?: never;
        /**
         * Delete Experiment
         * @description Delete the experiment with its runs and evaluations.
         */
        delete: operations["delete_experiment_v1_experiments__experiment_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/experiments/{experiment_id}/evaluations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upsert Evaluations
         * @description Store a batch of evaluations of the experiment's runs; one of the same (run, name)
         *     replaces the stored one.
         */
        post: operations["upsert_evaluations_v1_experiments__experiment_id__evaluations_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/experiments/{experiment_id}/incomplete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Incomplete
         * @description The (example, repetition) pairs with no successful run, grouped by example (with its
         *     content at the version), a page of examples at a time.
         */
        get: operations["list_incomplete_v1_experiments__experiment_id__incomplete_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/experiments/{experiment_id}/reuse": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reuse Results
         * @description Copy into this experiment (the head) the base experiment's results for the content that
         *     did not change, in one transaction; calling again copies nothing new.
         *
         *     Only when both experiments have the same `task_version` (else nothing is copied and
         *     `task_version_matches` is false). For each (example, repetition) of the head's version with
         *     no successful run in the head, the base's successful run of the same source id and
         *     repetition number is copied when it saw the same content hash; the copy names it in
         *     `reused_from_run_id`. Of the copied runs, the base's error-free evaluations whose name and
         *     `evaluator_version` equal one of `evaluators` with a version are copied too;
         *     `evaluators_to_rerun` names the evaluators the reused runs still lack; `incomplete` is the
         *     head's first page of incomplete pairs after the copy (GET /incomplete's with no cursor and
         *     the default limit), so the caller runs the task without another request. 404
         *     `experiment_not_found`; 422 `reuse_from_itself` (the base is the head),
         *     `experiments_on_different_datasets`, `task_version_required` (the head has no task_version).
         */
        post: operations["reuse_results_v1_experiments__experiment_id__reuse_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/experiments/{experiment_id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Runs
         * @description The runs in the order they were stored (or `sort`), each with its evaluations, a page at
         *     a time; `errors`, `min_score`/`max_score` and `source_id` keep the runs they match (all of
         *     them given: those matching all) and the cursor goes on through the matches. 422
         *     `evaluator_required` (a score bound or sort without `evaluator`), `invalid_score_range`,
         *     `invalid_score` (not finite), `invalid_cursor` (not a cursor of this sort),
         *     `too_many_source_ids`, `unknown_evaluator` (no run has `evaluator`; the detail names those
         *     that exist, as a comparison does).
         */
        get: operations["list_runs_v1_experiments__experiment_id__runs_get"];
        put?: never;
        /**
         * Add Runs
         * @description Store a batch of runs (each optionally with its evaluations) in one transaction.
         *
         *     422 if a run names an example outside the experiment's version; 409 `run_exists` if an
         *     (example, repetition) of the batch already has a successful run (nothing is stored); a run
         *     that errored is replaced by the new one.
         */
        post: operations["add_runs_v1_experiments__experiment_id__runs_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/experiments/compare": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Compare Experiments
         * @description Compare two experiments on one dataset (any two versions of it), example by example.
         *
         *     The aggregates (counts per class, per-evaluator means on all and on like-for-like
         *     examples, latency and usage with their deltas, the CI verdict) are whole in every page;
         *     the examples are paged by `cursor`. The verdict is `comparable: false` (with
         *     `not_comparable`) when no example of its scope could be compared. 422 `compare_with_itself`
         *     (base and head are one experiment), `experiments_on_different_datasets`,
         *     `invalid_threshold`, `unknown_evaluator`; 404 `experiment_not_found`.
         */
        get: operations["compare_experiments_v1_experiments_compare_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** AllMeans */
        AllMeans: {
            /** @description Over every example of the base's version that has a score. */
            base: components["schemas"]["SideMean"];
            /**
             * Delta
             * @description Head minus base.
             */
            delta: number | null;
            /** @description Over every example of the head's version that has a score. */
            head: components["schemas"]["SideMean"];
        };
        /** ComparedEvaluator */
        ComparedEvaluator: {
            all: components["schemas"]["AllMeans"];
            /**
             * Improvements
             * @description Examples in the verdict's scope where it improved.
             */
            improvements: number;
            /**
             * Kind
             * @description `boolean` when every score of either experiment is 0 or 1; `label` when it gave labels and no score (its means are null); else `numeric`.
             * @enum {string}
             */
            kind: "boolean" | "numeric" | "label";
            /**
             * Labels Changed
             * @description A `label` evaluator: the examples of the verdict's scope labelled in both, with another label in head (not regressions); null for a scored evaluator.
             */
            labels_changed?: number | null;
            like_for_like: components["schemas"]["LikeForLike"];
            /**
             * Missing
             * @description Of the regressions: examples with a base score and no head score (no successful run, no evaluation, or only errors in head).
             */
            missing: number;
            /** Name */
            name: string;
            /**
             * New Errors
             * @description Of the regressions: an evaluation error rate higher in head.
             */
            new_errors: number;
            /**
             * Regressions
             * @description Examples in the verdict's scope where it regressed.
             */
            regressions: number;
            /**
             * Threshold
             * @description The drop (or rise) that counts as a regression (improvement); null for a `label` evaluator (a label has no order: its changes are counted in `labels_changed`, never regressions).
             */
            threshold: number | null;
        };
        /** ComparedExample */
        ComparedExample: {
            /** @description Null when the example is not in the base's version. */
            base: components["schemas"]["SideRuns"] | null;
            /** Base Content Hash */
            base_content_hash: string | null;
            /** Example Id */
            example_id: string;
            head: components["schemas"]["SideRuns"] | null;
            /** Head Content Hash */
            head_content_hash: string | null;
            /**
             * Improvement
             * @description In the verdict's scope, and an evaluator improved.
             */
            improvement: boolean;
            /**
             * Missing Run
             * @description In both versions, base has a successful run and head none (no run, or only errors).
             */
            missing_run: boolean;
            /**
             * New Run Error
             * @description The run error rate is higher in head.
             */
            new_run_error: boolean;
            /**
             * Output Changed
             * @description The sets of distinct outputs of the two sides' successful runs differ (canonical JSON, RFC 8785); null when a side has none.
             */
            output_changed: boolean | null;
            /**
             * Regression
             * @description In the verdict's scope, and an evaluator regressed, new_run_error or missing_run.
             */
            regression: boolean;
            /**
             * Scores
             * @description Per evaluator either side has for it, by name.
             */
            scores: components["schemas"]["ComparedScore"][];
            /** Source Id */
            source_id: string;
            /**
             * Status
             * @enum {string}
             */
            status: "only_base" | "only_head" | "same_content" | "changed";
        };
        /**
         * ComparedExperiment
         * @description One side of a comparison: the experiment and what its runs cost.
         */
        ComparedExperiment: {
            /** Errored Runs */
            errored_runs: number;
            /**
             * Example Count
             * @description Examples it runs on (its selection's, if it has one).
             */
            example_count: number;
            /** Id */
            id: string;
            latency_ms: components["schemas"]["Latency"];
            /** Name */
            name: string | null;
            /** Repetitions */
            repetitions: number;
            /**
             * Reused Runs
             * @description Runs copied from another experiment.
             */
            reused_runs: number;
            /** Runs */
            runs: number;
            /** @description Null: the whole version. */
            selection: components["schemas"]["Selection"] | null;
            /** Task Version */
            task_version: string | null;
            usage: components["schemas"]["Usage"];
            /** Version Id */
            version_id: string;
        };
        /** ComparedScore */
        ComparedScore: {
            /**
             * Base
             * @description The mean score over the base's repetitions.
             */
            base: number | null;
            /**
             * Base Errors
             * @description Evaluation errors.
             */
            base_errors: number;
            /**
             * Base Label
             * @description The example's label in base (of its repetitions' labels the most frequent; on a tie the least by code point); null without one.
             */
            base_label?: string | null;
            /**
             * Change
             * @description By the evaluator's threshold; `regression` when `missing`; null when a side has no score and no new error (otherwise).
             */
            change: ("regression" | "improvement" | "steady") | null;
            /**
             * Delta
             * @description Head minus base.
             */
            delta: number | null;
            /** Head */
            head: number | null;
            /** Head Errors */
            head_errors: number;
            /**
             * Head Label
             * @description The same in head.
             */
            head_label?: string | null;
            /**
             * Missing
             * @description Base has a score and head none (no successful run, no evaluation, or only errors): a regression.
             */
            missing: boolean;
            /** Name */
            name: string;
            /**
             * New Error
             * @description The evaluation error rate is higher in head (a regression).
             */
            new_error: boolean;
        };
        /** Comparison */
        Comparison: {
            base: components["schemas"]["ComparedExperiment"];
            counts: components["schemas"]["ComparisonCounts"];
            /**
             * Data
             * @description A page of examples by example id.
             */
            data: components["schemas"]["ComparedExample"][];
            /** Dataset Id */
            dataset_id: string;
            deltas: components["schemas"]["CostDeltas"];
            /**
             * Evaluators
             * @description By name.
             */
            evaluators: components["schemas"]["ComparedEvaluator"][];
            head: components["schemas"]["ComparedExperiment"];
            /** Next Cursor */
            next_cursor: string | null;
            /**
             * Selections Differ
             * @description The two experiments were created with different selections (one of them with none counts): an example outside a side's selection is absent on that side.
             */
            selections_differ: boolean;
            verdict: components["schemas"]["Verdict"];
        };
        /** ComparisonCounts */
        ComparisonCounts: {
            /**
             * Changed
             * @description In both, edited between the versions.
             */
            changed: number;
            /**
             * Examples
             * @description Examples of either version.
             */
            examples: number;
            /**
             * Missing Runs
             * @description Examples of both versions with a successful base run and no successful head run.
             */
            missing_runs: number;
            /**
             * New Run Errors
             * @description Examples whose run error rate is higher in head.
             */
            new_run_errors: number;
            /**
             * Only Base
             * @description In the base's version only (removed since).
             */
            only_base: number;
            /**
             * Only Head
             * @description In the head's version only (added since).
             */
            only_head: number;
            /** Output Changed */
            output_changed: number;
            /**
             * Same Content
             * @description In both, with the same content hash.
             */
            same_content: number;
        };
        /** CostDelta */
        CostDelta: {
            /**
             * Amount
             * @description Head minus base (a side without this currency counts 0).
             */
            amount: number;
            /** Currency */
            currency: string | null;
        };
        /**
         * CostDeltas
         * @description Head minus base.
         */
        CostDeltas: {
            /** Costs */
            costs: components["schemas"]["CostDelta"][];
            latency_ms: components["schemas"]["LatencyDelta"];
            /** Tokens In */
            tokens_in: number;
            /** Tokens Out */
            tokens_out: number;
        };
        /** CostTotal */
        CostTotal: {
            /** Amount */
            amount: number;
            /**
             * Currency
             * @description As the runs named it; null for costs given without one.
             */
            currency: string | null;
            /**
             * Runs
             * @description Runs with a cost in this currency.
             */
            runs: number;
        };
        /** Dataset */
        Dataset: {
            /** Created At */
            created_at: string;
            /** Description */
            description: string | null;
            /**
             * Example Count
             * @description Its live examples (the latest version's): in the list and from GET /v1/datasets/{id}.
             */
            example_count?: number | null;
            /** Id */
            id: string;
            /** Latest Version Id */
            latest_version_id: string | null;
            /** Metadata */
            metadata: {
                [key: string]: unknown;
            };
            /** Name */
            name: string;
            /**
             * Tags
             * @description The tags on any of its versions, sorted by code point: in the list and from GET /v1/datasets/{id}.
             */
            tags?: string[] | null;
            /** Updated At */
            updated_at: string;
        };
        /** DatasetPage */
        DatasetPage: {
            /** Data */
            data: components["schemas"]["Dataset"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /** DatasetSchema */
        DatasetSchema: {
            /**
             * Forced
             * @description Whether it was set with `force` over violating examples.
             */
            forced: boolean;
            /**
             * Input
             * @description As stored: RFC 8785 canonical JSON.
             */
            input: {
                [key: string]: unknown;
            } | boolean | null;
            /** Metadata */
            metadata: {
                [key: string]: unknown;
            } | boolean | null;
            /** Output */
            output: {
                [key: string]: unknown;
            } | boolean | null;
            /**
             * Updated At
             * @description When this schema was set (or deleted).
             */
            updated_at: string;
        };
        /** DatasetSelector */
        DatasetSelector: {
            /**
             * Id
             * @description Select an existing dataset by id.
             * @default null
             */
            id?: string | null;
            /**
             * Name
             * @description Select (and create if missing) by name: 1 to 512 characters, not only white space, no white space at either end, no control character (C0, DEL, C1): 422 `invalid_selector` (a dataset named so before stays reachable by `id`); U+0000 is `invalid_text`, a lone surrogate `lone_surrogate`. `/`, `.` and `..` are names like any other (a name is never a path segment).
             * @default null
             */
            name?: string | null;
        };
        /** Diff */
        Diff: {
            /** Created */
            created: string[];
            /** Dataset Id */
            dataset_id: string;
            /** Deleted */
            deleted: string[];
            /** From Digest */
            from_digest: string;
            /** From Version Id */
            from_version_id: string;
            /** To Digest */
            to_digest: string;
            /** To Version Id */
            to_version_id: string;
            /** Updated */
            updated: string[];
        };
        /** Evaluation */
        Evaluation: {
            /**
             * Annotator Kind
             * @enum {string}
             */
            annotator_kind: "CODE" | "LLM" | "HUMAN";
            /** End Time */
            end_time: string;
            /** Error */
            error: string | null;
            /** Evaluator Version */
            evaluator_version: string | null;
            /** Explanation */
            explanation: string | null;
            /** Id */
            id: string;
            /** Label */
            label: string | null;
            /** Latency Ms */
            latency_ms: number | null;
            /** Metadata */
            metadata: {
                [key: string]: unknown;
            };
            /** Name */
            name: string;
            /** Run Id */
            run_id: string;
            /** Score */
            score: number | null;
            /** Start Time */
            start_time: string;
        };
        /** EvaluationBatch */
        EvaluationBatch: {
            /** Evaluations */
            evaluations: components["schemas"]["EvaluationCreate"][];
        };
        /** EvaluationBatchResult */
        EvaluationBatchResult: {
            /**
             * Data
             * @description In the order of the request.
             */
            data: components["schemas"]["EvaluationStored"][];
        };
        /** EvaluationCreate */
        EvaluationCreate: {
            /**
             * Annotator Kind
             * @default CODE
             * @enum {string}
             */
            annotator_kind?: "CODE" | "LLM" | "HUMAN";
            /** End Time */
            end_time?: string | null;
            /**
             * Error
             * @description Set when the evaluator raised.
             */
            error?: string | null;
            /**
             * Evaluator Version
             * @description The user's name for the evaluator's code.
             */
            evaluator_version?: string | null;
            /** Explanation */
            explanation?: string | null;
            /** Label */
            label?: string | null;
            /**
             * Latency Ms
             * @description How long it took, in milliseconds (finite, >= 0). When omitted and both `start_time` and `end_time` are given, their difference.
             */
            latency_ms?: number | null;
            /** Metadata */
            metadata?: {
                [key: string]: unknown;
            } | null;
            /**
             * Name
             * @description The evaluator's name.
             */
            name: string;
            /** Run Id */
            run_id: string;
            /** Score */
            score?: number | null;
            /**
             * Start Time
             * @description ISO 8601; the server's clock if omitted.
             */
            start_time?: string | null;
        };
        /** EvaluationFields */
        EvaluationFields: {
            /**
             * Annotator Kind
             * @default CODE
             * @enum {string}
             */
            annotator_kind?: "CODE" | "LLM" | "HUMAN";
            /** End Time */
            end_time?: string | null;
            /**
             * Error
             * @description Set when the evaluator raised.
             */
            error?: string | null;
            /**
             * Evaluator Version
             * @description The user's name for the evaluator's code.
             */
            evaluator_version?: string | null;
            /** Explanation */
            explanation?: string | null;
            /** Label */
            label?: string | null;
            /**
             * Latency Ms
             * @description How long it took, in milliseconds (finite, >= 0). When omitted and both `start_time` and `end_time` are given, their difference.
             */
            latency_ms?: number | null;
            /** Metadata */
            metadata?: {
                [key: string]: unknown;
            } | null;
            /**
             * Name
             * @description The evaluator's name.
             */
            name: string;
            /** Score */
            score?: number | null;
            /**
             * Start Time
             * @description ISO 8601; the server's clock if omitted.
             */
            start_time?: string | null;
        };
        /** EvaluationStored */
        EvaluationStored: {
            /** Id */
            id: string;
            /** Name */
            name: string;
            /** Run Id */
            run_id: string;
        };
        /** EvaluatorSummary */
        EvaluatorSummary: {
            /** Count */
            count: number;
            /** Errors */
            errors: number;
            /** Mean Score */
            mean_score: number | null;
            /** Name */
            name: string;
            /**
             * Scored
             * @description Evaluations with a score.
             */
            scored: number;
        };
        /** Example */
        Example: {
            /** Content Hash */
            content_hash: string;
            /** Id */
            id: string;
            /** Input */
            input: {
                [key: string]: unknown;
            };
            /** Metadata */
            metadata: {
                [key: string]: unknown;
            };
            /** Output */
            output: {
                [key: string]: unknown;
            };
            /** Source Id */
            source_id: string;
            /** Version Id */
            version_id: string;
        };
        /** ExamplePage */
        ExamplePage: {
            /** Data */
            data: components["schemas"]["Example"][];
            /** Dataset Id */
            dataset_id: string;
            /** Next Cursor */
            next_cursor: string | null;
            /** Version Id */
            version_id: string | null;
        };
        /** Experiment */
        Experiment: {
            /** Created At */
            created_at: string;
            /** Dataset Id */
            dataset_id: string;
            /** Description */
            description: string | null;
            /**
             * Example Count
             * @description Examples it runs on: the pinned version's, or those `selection` selected.
             */
            example_count: number;
            /** Id */
            id: string;
            /** Metadata */
            metadata: {
                [key: string]: unknown;
            };
            /** Name */
            name: string | null;
            /** Repetitions */
            repetitions: number;
            /** @description The selection it was created with; null: the whole version. */
            selection: components["schemas"]["Selection"] | null;
            /** @description From GET /v1/experiments/{id}, and in a list with `summary=true`. */
            summary?: components["schemas"]["ExperimentSummary"] | null;
            /** Task Version */
            task_version: string | null;
            /** Version Id */
            version_id: string;
        };
        /** ExperimentCreate */
        ExperimentCreate: {
            /** Description */
            description?: string | null;
            /** Metadata */
            metadata?: {
                [key: string]: unknown;
            } | null;
            /**
             * Name
             * @description Not empty, no white space at either end, no control character (422 `invalid_name`), as a dataset's name.
             */
            name?: string | null;
            /**
             * Repetitions
             * @default 1
             */
            repetitions?: number;
            /** @description Run on part of the version only (422 `unknown_source_ids`, `empty_selection`); omitted or null: every example of the version. */
            selection?: components["schemas"]["Selection"] | null;
            /**
             * Tag
             * @description The version to run on by its tag, instead of `version_id` (not both).
             */
            tag?: string | null;
            /**
             * Task Version
             * @description The user's name for the task's code and prompt; an incremental rerun reuses results only from an experiment with the same one.
             */
            task_version?: string | null;
            /**
             * Version Id
             * @description The version to run on; the latest if omitted.
             */
            version_id?: string | null;
        };
        /** ExperimentPage */
        ExperimentPage: {
            /** Data */
            data: components["schemas"]["Experiment"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /** ExperimentSummary */
        ExperimentSummary: {
            /** Errored Runs */
            errored_runs: number;
            /** Evaluations */
            evaluations: components["schemas"]["EvaluatorSummary"][];
            /**
             * Expected Runs
             * @description Examples it runs on times repetitions.
             */
            expected_runs: number;
            /**
             * Incomplete Runs
             * @description (example, repetition) pairs with no successful run.
             */
            incomplete_runs: number;
            latency_ms: components["schemas"]["Latency"];
            /**
             * Reused Runs
             * @description Runs copied from another experiment (`reused_from_run_id` set).
             */
            reused_runs: number;
            /** Runs */
            runs: number;
            /** Successful Runs */
            successful_runs: number;
            usage: components["schemas"]["Usage"];
        };
        /** Health */
        Health: {
            /** Status */
            status: string;
            /** Version */
            version: string;
        };
        /** IncompleteExample */
        IncompleteExample: {
            /** @description The example as GET /v1/datasets/{id}/examples gives it. */
            example: components["schemas"]["Example"];
            /**
             * Repetition Numbers
             * @description The repetitions with no successful run.
             */
            repetition_numbers: number[];
        };
        /** IncompletePage */
        IncompletePage: {
            /** Data */
            data: components["schemas"]["IncompleteExample"][];
            /** Experiment Id */
            experiment_id: string;
            /** Next Cursor */
            next_cursor: string | null;
            /** Version Id */
            version_id: string;
        };
        /**
         * Latency
         * @description Latencies of the runs that report one (milliseconds; percentiles interpolated linearly
         *     between the closest ranks, as Python's ``statistics.quantiles(method="inclusive")``).
         */
        Latency: {
            /**
             * Count
             * @description Runs with a latency.
             */
            count: number;
            /** Mean */
            mean: number | null;
            /** P50 */
            p50: number | null;
            /** P95 */
            p95: number | null;
        };
        /** LatencyDelta */
        LatencyDelta: {
            /** Mean */
            mean: number | null;
            /** P50 */
            p50: number | null;
            /** P95 */
            p95: number | null;
        };
        /** LikeForLike */
        LikeForLike: {
            /** Base Mean */
            base_mean: number | null;
            /**
             * Count
             * @description `same_content` examples scored on both sides, the ones averaged.
             */
            count: number;
            /**
             * Delta
             * @description Head minus base.
             */
            delta: number | null;
            /** Head Mean */
            head_mean: number | null;
        };
        /** Manifest */
        Manifest: {
            /** Dataset Id */
            dataset_id: string;
            /** Digest */
            digest: string;
            /** Examples */
            examples: [
                string,
                string
            ][];
            /** Version Id */
            version_id: string | null;
        };
        /** ManifestEntry */
        ManifestEntry: {
            /** Content Hash */
            content_hash: string;
            /** Source Id */
            source_id: string;
        };
        /**
         * MetadataCondition
         * @description What one top-level metadata key must hold: exactly one of `eq` (the value) and `in` (one
         *     of the values). Values are compared as canonical JSON (RFC 8785): `1` equals `1.0`, `true`
         *     is not `1`, key order does not matter. An example without the key matches no condition on
         *     it, not even `{"eq": null}`.
         */
        MetadataCondition: {
            /**
             * Eq
             * @description The value the key must hold (any JSON value, null too).
             */
            eq?: unknown;
            /**
             * In
             * @description The values one of which the key must hold.
             */
            in?: unknown[] | null;
        };
        /**
         * NotComparable
         * @description Why a comparison compared nothing.
         */
        NotComparable: {
            /**
             * Code
             * @description `no_examples_in_scope`: no example of both versions in the verdict's scope (none kept its content, with include_changed false; the versions share none); `no_successful_runs`: the base (or neither side) has no successful run on the examples of the scope: nothing to compare against, the detail names the side.
             * @enum {string}
             */
            code: "no_examples_in_scope" | "no_successful_runs";
            /**
             * Detail
             * @description The same for a human, with the figures.
             */
            detail: string;
        };
        /** PlanRequest */
        PlanRequest: {
            /**
             * Allow Empty
             * @description Mirror only: allow deleting every example of a dataset that has some (else 409 `mirror_would_empty`).
             * @default false
             */
            allow_empty?: boolean;
            dataset: components["schemas"]["DatasetSelector"];
            /**
             * Examples
             * @description Required, even empty: a body without it is 422 `missing_examples`.
             */
            examples: components["schemas"]["ManifestEntry"][];
            /**
             * Max Deletes
             * @description Mirror only: refuse (409 `max_deletes_exceeded`) to delete more examples than this; null or absent: no bound.
             * @default null
             */
            max_deletes?: number | null;
            /**
             * Mode
             * @default merge
             * @enum {string}
             */
            mode?: "merge" | "mirror";
        };
        /** PlanResult */
        PlanResult: {
            /**
             * Base Digest
             * @description The digest of the base version: when nothing is needed and nothing would be deleted, the dataset already matches the manifest and the upsert may be skipped.
             */
            base_digest: string;
            /** Base Version Id */
            base_version_id: string | null;
            /** Created */
            created: number;
            /** Dataset Id */
            dataset_id: string | null;
            /** Dataset Name */
            dataset_name: string;
            /** @description The dataset's JSON Schemas, which the upsert will check the examples against (an SDK checks them before uploading); null without one. */
            dataset_schema?: components["schemas"]["DatasetSchema"] | null;
            /** Deleted */
            deleted: number;
            /** Needed Source Ids */
            needed_source_ids: string[];
            /**
             * Plan Id
             * @description Send it with the upsert (`UpsertRequest.plan_id`) and only the needed examples. The server keeps the plan in this process's memory for `GROUNDSET_PLAN_TTL_SECONDS` (600 s by default), within `GROUNDSET_PLAN_MAX_COUNT` plans and `GROUNDSET_PLAN_MAX_BYTES`, the oldest evicted first; an upsert that commits with it consumes it. Null when the plan alone is over the memory bound (nothing kept): send the whole manifest.
             */
            plan_id: string | null;
            /** Unchanged */
            unchanged: number;
            /** Updated */
            updated: number;
        };
        /**
         * Problem
         * @description An RFC 9457 problem (``application/problem+json``) with its stable ``code`` and the members
         *     that say what and where; every member a problem can carry is named here (tested).
         */
        Problem: {
            /**
             * Base Dataset Id
             * @description `experiments_on_different_datasets`: the base experiment's dataset.
             * @default null
             */
            base_dataset_id?: string | null;
            /**
             * Base Version Id
             * @description `stale_manifest`: the version the upsert met.
             * @default null
             */
            base_version_id?: string | null;
            /** Code */
            code: string;
            /**
             * Column
             * @description The column of that line (1-based).
             * @default null
             */
            column?: number | null;
            /**
             * Cursor Id
             * @description `invalid_id`: the refused cursor.
             * @default null
             */
            cursor_id?: string | null;
            /**
             * Dataset Id
             * @description `dataset_not_found`, `dataset_has_no_version`, `invalid_id`, `schema_not_found`.
             * @default null
             */
            dataset_id?: string | null;
            /**
             * Deleted
             * @description `mirror_would_empty`, `max_deletes_exceeded`: how many it would delete.
             * @default null
             */
            deleted?: number | null;
            /** Detail */
            detail: string;
            /**
             * Errors
             * @description The refused examples of an upsert or plan body (`RecordError`), the first 100 in body order; or, for `unknown_field`, `invalid_text`, `invalid_request`, the first ten errors of the request (`RequestError`).
             * @default null
             */
            errors?: (components["schemas"]["RecordError"] | components["schemas"]["RequestError"])[] | null;
            /**
             * Example Count
             * @description The same: how many the dataset holds now.
             * @default null
             */
            example_count?: number | null;
            /**
             * Example Id
             * @description `invalid_id`: the refused example id.
             * @default null
             */
            example_id?: string | null;
            /**
             * Example Ids
             * @description `example_not_in_version`, `example_not_in_selection`, `content_hash_mismatch`, `run_exists`: the first ten.
             * @default null
             */
            example_ids?: string[] | null;
            /**
             * Expected Version Id
             * @description `version_conflict`: the one sent.
             * @default null
             */
            expected_version_id?: string | null;
            /**
             * Experiment Id
             * @description `experiment_not_found`, `invalid_id`, `task_version_required`, `example_not_in_selection`, `reuse_from_itself`.
             * @default null
             */
            experiment_id?: string | null;
            /**
             * Field
             * @description The refused member of an upsert or plan header.
             * @default null
             */
            field?: string | null;
            /**
             * Head Dataset Id
             * @description `experiments_on_different_datasets`: the head experiment's dataset.
             * @default null
             */
            head_dataset_id?: string | null;
            /**
             * Instance
             * @default null
             */
            instance?: string | null;
            /**
             * Latest Version Id
             * @description `version_conflict`: the latest.
             * @default null
             */
            latest_version_id?: string | null;
            /**
             * Limit
             * @description `body_too_large`, `invalid_limit`: the bound.
             * @default null
             */
            limit?: number | null;
            /**
             * Line
             * @description The line of the request body (1-based).
             * @default null
             */
            line?: number | null;
            /**
             * Max Deletes
             * @description `max_deletes_exceeded`: the bound given.
             * @default null
             */
            max_deletes?: number | null;
            /**
             * More Errors
             * @description With refused examples: how many more there were beyond `errors`.
             * @default null
             */
            more_errors?: number | null;
            /**
             * Needed Source Ids
             * @description `stale_manifest`: every source id whose content to send again (the dataset holds its content_hash in no revision); the other content-less entries may stay as they were.
             * @default null
             */
            needed_source_ids?: string[] | null;
            /**
             * Parameter
             * @description The refused query or path parameter (`invalid_text`, `invalid_tag`, `version_and_tag`, `invalid_id_key`).
             * @default null
             */
            parameter?: string | null;
            /**
             * Path
             * @description The JSON path of the refused member (`unknown_field`, `invalid_text`, `missing_examples`, ...), within the NDJSON line when `line` is given.
             * @default null
             */
            path?: string | null;
            /**
             * Repetition Numbers
             * @description `run_exists`: the repetitions of `example_ids`.
             * @default null
             */
            repetition_numbers?: number[] | null;
            /**
             * Run Id
             * @description `invalid_id`: the refused run id.
             * @default null
             */
            run_id?: string | null;
            /**
             * Run Ids
             * @description `run_not_in_experiment`: the first ten.
             * @default null
             */
            run_ids?: string[] | null;
            /**
             * Size
             * @description `body_too_large`: the body's length in bytes, when the request declared it.
             * @default null
             */
            size?: number | null;
            /**
             * Source Ids
             * @default null
             */
            source_ids?: string[] | null;
            /** Status */
            status: number;
            /**
             * Tag
             * @description `tag_not_found`, `tag_exists`: the tag.
             * @default null
             */
            tag?: string | null;
            /** Title */
            title: string;
            /** Type */
            type: string;
            /**
             * Unknown Count
             * @description `unknown_source_ids`: how many there were.
             * @default null
             */
            unknown_count?: number | null;
            /**
             * Unknown Source Ids
             * @description `unknown_source_ids`: the selection's source ids the version does not hold, the first 100 in the order given.
             * @default null
             */
            unknown_source_ids?: string[] | null;
            /**
             * Version Id
             * @description `version_not_found`, `example_not_in_version`, `invalid_id`, `unknown_source_ids`, `empty_selection`; `tag_exists`: the version the tag points at now.
             * @default null
             */
            version_id?: string | null;
        };
        /**
         * RecordError
         * @description One refused example of an upsert or plan body (a problem's ``errors``).
         */
        RecordError: {
            /**
             * Code
             * @description Its stable code, such as `hash_mismatch` or `not_an_object`.
             */
            code: string;
            /**
             * Detail
             * @description What is wrong, in words (without the code and path).
             */
            detail: string;
            /**
             * Index
             * @description JSON body: the example's index in `examples` (0-based).
             * @default null
             */
            index?: number | null;
            /**
             * Line
             * @description NDJSON: the line of the example (1-based).
             * @default null
             */
            line?: number | null;
            /**
             * Path
             * @description The JSON path of the refused value: in the body (`$.examples[3].input`) for a JSON body, in the line (`$.input`) for NDJSON.
             */
            path: string;
            /**
             * Schema Path
             * @description `schema_violation`: the JSON Pointer of the failing keyword in the dataset's schema document (`/input/properties/question/type`).
             * @default null
             */
            schema_path?: string | null;
            /**
             * Source Id
             * @description The example's source id, when it is a string.
             * @default null
             */
            source_id?: string | null;
        };
        /**
         * RequestError
         * @description One error of a request that breaks the route's rules (a problem's ``errors``).
         */
        RequestError: {
            /** Code */
            code: string;
            /**
             * Loc
             * @description Where the value came from (`body`, `query`...), then its path.
             */
            loc: (string | number)[];
            /** Msg */
            msg: string;
            /**
             * Path
             * @description The JSON path in the body, when it is in the body.
             * @default null
             */
            path?: string | null;
        };
        /** ReusedEvaluator */
        ReusedEvaluator: {
            /**
             * Evaluator Version
             * @description The version the head will evaluate with; null: the evaluator is never reused (it runs again).
             */
            evaluator_version?: string | null;
            /**
             * Name
             * @description The evaluator's name.
             */
            name: string;
        };
        /** ReuseRequest */
        ReuseRequest: {
            /**
             * Base
             * @description The id of the experiment whose results to reuse (on the same dataset).
             */
            base: string;
            /**
             * Evaluators
             * @description The head's evaluators, each name once: an evaluation of the base is copied when its name and `evaluator_version` equal one of these with a version.
             * @default []
             */
            evaluators?: components["schemas"]["ReusedEvaluator"][];
        };
        /** ReuseResult */
        ReuseResult: {
            /** Base Experiment Id */
            base_experiment_id: string;
            /**
             * Evaluators To Rerun
             * @description Names of `evaluators` that some reused run of the head lacks (no error-free evaluation of that name and version): the caller runs them on those runs. Sorted.
             */
            evaluators_to_rerun: string[];
            /**
             * Experiment Id
             * @description The head: the experiment the runs were copied into.
             */
            experiment_id: string;
            /** @description The head's first page of incomplete pairs after the copy: what GET /v1/experiments/{id}/incomplete answers with no cursor and the default limit (1000), read in the same transaction; its `next_cursor` continues with that route. */
            incomplete: components["schemas"]["IncompletePage"];
            /**
             * Reused Evaluations
             * @description Evaluations copied by this call.
             */
            reused_evaluations: number;
            /**
             * Reused Runs
             * @description Runs copied by this call (0 on a repeated call).
             */
            reused_runs: number;
            /**
             * Task Version Matches
             * @description The base's task_version equals the head's; when false nothing was copied.
             */
            task_version_matches: boolean;
        };
        /** Run */
        Run: {
            /** Content Hash */
            content_hash: string;
            /** Cost */
            cost: number | null;
            /** Currency */
            currency: string | null;
            /** End Time */
            end_time: string;
            /** Error */
            error: string | null;
            /** Evaluations */
            evaluations: components["schemas"]["Evaluation"][];
            /** Example Id */
            example_id: string;
            /** Experiment Id */
            experiment_id: string;
            /** Id */
            id: string;
            /** Latency Ms */
            latency_ms: number | null;
            /** Output */
            output: unknown;
            /** Repetition Number */
            repetition_number: number;
            /**
             * Reused From Run Id
             * @description The run an incremental rerun copied this one from.
             */
            reused_from_run_id: string | null;
            /** Source Id */
            source_id: string;
            /** Start Time */
            start_time: string;
            /** Tokens In */
            tokens_in: number | null;
            /** Tokens Out */
            tokens_out: number | null;
        };
        /** RunBatch */
        RunBatch: {
            /** Runs */
            runs: components["schemas"]["RunCreate"][];
        };
        /** RunBatchResult */
        RunBatchResult: {
            /**
             * Data
             * @description The stored runs, in the order of the request.
             */
            data: components["schemas"]["RunCreated"][];
            /**
             * Evaluations
             * @description Evaluations stored with the runs.
             */
            evaluations: number;
            /**
             * Replaced
             * @description Errored runs replaced by runs of this batch.
             */
            replaced: number;
        };
        /** RunCreate */
        RunCreate: {
            /**
             * Content Hash
             * @description The content hash the task saw; refused (422) unless it is the example's at the version.
             */
            content_hash?: string | null;
            /**
             * Cost
             * @description What the run cost, in `currency`.
             */
            cost?: number | null;
            /**
             * Currency
             * @description The unit of `cost` the user names (`USD`, `EUR`, `credits`...), in any case: stored in upper case (`usd` and `USD` are one currency; `credits` is stored `CREDITS`).
             */
            currency?: string | null;
            /** End Time */
            end_time?: string | null;
            /**
             * Error
             * @description Set when the task raised: the run failed.
             */
            error?: string | null;
            /**
             * Evaluations
             * @description Evaluations of this run, stored with it in the same transaction.
             * @default []
             */
            evaluations?: components["schemas"]["EvaluationFields"][];
            /** Example Id */
            example_id: string;
            /**
             * Latency Ms
             * @description How long it took, in milliseconds (finite, >= 0). When omitted and both `start_time` and `end_time` are given, their difference.
             */
            latency_ms?: number | null;
            /**
             * Output
             * @description Any JSON value the task returned.
             */
            output?: unknown;
            /**
             * Repetition Number
             * @default 1
             */
            repetition_number?: number;
            /**
             * Start Time
             * @description ISO 8601; the server's clock if omitted.
             */
            start_time?: string | null;
            /**
             * Tokens In
             * @description Input tokens.
             */
            tokens_in?: number | null;
            /**
             * Tokens Out
             * @description Output tokens.
             */
            tokens_out?: number | null;
        };
        /** RunCreated */
        RunCreated: {
            /** Content Hash */
            content_hash: string;
            /** Example Id */
            example_id: string;
            /** Id */
            id: string;
            /** Repetition Number */
            repetition_number: number;
        };
        /** RunPage */
        RunPage: {
            /** Data */
            data: components["schemas"]["Run"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /** SchemaHistory */
        SchemaHistory: {
            /**
             * Data
             * @description Every change, newest first; a deletion is an entry whose three parts are null.
             */
            data: components["schemas"]["DatasetSchema"][];
        };
        /** SchemaSet */
        SchemaSet: {
            /**
             * Force
             * @description Store it even though examples of the latest version violate it (recorded as `forced`).
             * @default false
             */
            force?: boolean;
            /**
             * Input
             * @description The schema of every example's `input`.
             */
            input?: {
                [key: string]: unknown;
            } | boolean | null;
            /**
             * Metadata
             * @description The schema of `metadata` (absent metadata is validated as `{}`).
             */
            metadata?: {
                [key: string]: unknown;
            } | boolean | null;
            /**
             * Output
             * @description The schema of `output` (an absent output is validated as `{}`).
             */
            output?: {
                [key: string]: unknown;
            } | boolean | null;
        };
        /**
         * Selection
         * @description Part of a version's examples: exactly one of `source_ids` (those examples; every one must
         *     be in the version) and `metadata` (the examples whose metadata satisfies every condition).
         *     Stored as canonical JSON (RFC 8785), the ids sorted and each once.
         */
        Selection: {
            /**
             * Metadata
             * @description Per top-level metadata key, its condition; all must hold.
             */
            metadata?: {
                [key: string]: components["schemas"]["MetadataCondition"];
            } | null;
            /**
             * Source Ids
             * @description Source ids of the version (an integer within ±(2^53 - 1) is taken as its decimal text).
             */
            source_ids?: string[] | null;
        };
        /** SideMean */
        SideMean: {
            /**
             * Count
             * @description Examples with a score.
             */
            count: number;
            /**
             * Mean
             * @description The mean over the examples of their mean score.
             */
            mean: number | null;
        };
        /** SideRuns */
        SideRuns: {
            /**
             * Errors
             * @description Errored runs.
             */
            errors: number;
            /** Runs */
            runs: number;
        };
        /** Tag */
        Tag: {
            /**
             * Created At
             * @description When the tag was created (again, after a deletion).
             */
            created_at: string;
            /** Name */
            name: string;
            /**
             * Updated At
             * @description When it was last created or moved.
             */
            updated_at: string;
            /** Version Id */
            version_id: string;
        };
        /** TagEvent */
        TagEvent: {
            /**
             * Action
             * @enum {string}
             */
            action: "created" | "moved" | "deleted";
            /** At */
            at: string;
            /**
             * Previous Version Id
             * @description Where it pointed before; null when created.
             */
            previous_version_id: string | null;
            /**
             * Version Id
             * @description Where the tag points after it; null when deleted.
             */
            version_id: string | null;
        };
        /** TagHistory */
        TagHistory: {
            /**
             * Data
             * @description Oldest first.
             */
            data: components["schemas"]["TagEvent"][];
        };
        /** TagPage */
        TagPage: {
            /**
             * Data
             * @description By name (code point order).
             */
            data: components["schemas"]["Tag"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /** TagSet */
        TagSet: {
            /**
             * Move
             * @description Move the tag when it points at another version (else 409 `tag_exists`); each move is recorded in its history.
             * @default false
             */
            move?: boolean;
            /**
             * Version Id
             * @description The version the tag names (of the same dataset).
             */
            version_id: string;
        };
        /** UpsertExample */
        UpsertExample: {
            /** Content Hash */
            content_hash: string;
            /**
             * Input
             * @description Omit with output and metadata after a plan.
             * @default null
             */
            input?: {
                [key: string]: unknown;
            } | null;
            /**
             * Metadata
             * @default null
             */
            metadata?: {
                [key: string]: unknown;
            } | null;
            /**
             * Output
             * @default null
             */
            output?: {
                [key: string]: unknown;
            } | null;
            /** Source Id */
            source_id: string;
        };
        /** UpsertRequest */
        UpsertRequest: {
            /**
             * Allow Empty
             * @description Mirror only: allow deleting every example of a dataset that has some (else 409 `mirror_would_empty`).
             * @default false
             */
            allow_empty?: boolean;
            dataset: components["schemas"]["DatasetSelector"];
            /**
             * Description
             * @default null
             */
            description?: string | null;
            /**
             * Dry Run
             * @default false
             */
            dry_run?: boolean;
            /**
             * Examples
             * @description Required, even empty, unless `manifest_digest` is given, and then absent: a body with neither is 422 `missing_examples`, with both 422 `invalid_request`.
             * @default null
             */
            examples?: components["schemas"]["UpsertExample"][] | null;
            /**
             * Expected Version Id
             * @default null
             */
            expected_version_id?: string | null;
            /**
             * Manifest Digest
             * @description The digest of the client's whole manifest (SHA-256 of the RFC 8785 JSON of its `[source_id, content_hash]` pairs sorted by source id: a version's `digest`, what `groundset hash --digest` prints), sent instead of `examples`. Equal to the latest version's digest: the answer is the no-op (`noop: true`, no example read; `tag`, `move_tag`, `description`, `metadata`, `expected_version_id` and `dry_run` apply as to any upsert; a dry run's `unchanged_source_ids` is null: they are the manifest's). Otherwise, or when the dataset has no version (or does not exist: it is not created), 409 `digest_differs` with the dataset's `dataset_id`, `latest_version_id` and `digest` (null when unknown), nothing written: send the examples (or plan them).
             * @default null
             */
            manifest_digest?: string | null;
            /**
             * Max Deletes
             * @description Mirror only: refuse (409 `max_deletes_exceeded`) to delete more examples than this; null or absent: no bound.
             * @default null
             */
            max_deletes?: number | null;
            /**
             * Metadata
             * @default null
             */
            metadata?: {
                [key: string]: unknown;
            } | null;
            /**
             * Mode
             * @default merge
             * @enum {string}
             */
            mode?: "merge" | "mirror";
            /**
             * Move Tag
             * @description Move `tag` when it points at another version (else 409 `tag_exists`, nothing written).
             * @default false
             */
            move_tag?: boolean;
            /**
             * Plan Id
             * @description The `plan_id` of a plan of the same manifest (`POST /v1/datasets/upsert/plan`): `examples` then holds only examples the plan listed in `needed_source_ids`, each with its content and the `content_hash` planned, and the rest of the manifest is the plan's. The upsert means exactly what the whole manifest would, sent with content-less entries for the others (a write committed since the plan: the last writer wins; `stale_manifest` as without plan_id). 409 `plan_expired`: this server process does not hold the plan (expired, evicted, consumed by an upsert that committed with it, or planned on another process): send the whole manifest without `plan_id`. 422 `plan_mismatch`: the `dataset`, `mode`, `allow_empty` or `max_deletes` differ from the plan's, or examples the plan did not ask for (each in `errors`). A needed example left out is a content-less entry (422 `missing_content` when no revision holds its content). Not with `manifest_digest`.
             * @default null
             */
            plan_id?: string | null;
            /**
             * Tag
             * @description Tag the version the upsert produced, or the latest when nothing changed, in the same transaction (a dry run checks and writes nothing).
             * @default null
             */
            tag?: string | null;
            /**
             * Version Description
             * @default null
             */
            version_description?: string | null;
            /**
             * Version Metadata
             * @default null
             */
            version_metadata?: {
                [key: string]: unknown;
            } | null;
        };
        /** UpsertResult */
        UpsertResult: {
            /** Created */
            created: number;
            /**
             * Created Source Ids
             * @description Only with dry_run.
             */
            created_source_ids?: string[] | null;
            /** Dataset Id */
            dataset_id: string | null;
            /** Dataset Name */
            dataset_name: string;
            /** Deleted */
            deleted: number;
            /** Deleted Source Ids */
            deleted_source_ids?: string[] | null;
            /** Digest */
            digest: string;
            /** Dry Run */
            dry_run: boolean;
            /** Noop */
            noop: boolean;
            /** Previous Version Id */
            previous_version_id: string | null;
            /**
             * Tag
             * @description The request's `tag`, now on `version_id` (a dry run: it would be).
             */
            tag?: string | null;
            /**
             * Tag Change
             * @description What the upsert did to `tag` (a dry run: would do): `created` (the dataset had no such tag), `moved` (from another version, with `move_tag`), `unchanged` (already on that version); null without `tag`.
             */
            tag_change?: ("created" | "moved" | "unchanged") | null;
            /** Unchanged */
            unchanged: number;
            /** Unchanged Source Ids */
            unchanged_source_ids?: string[] | null;
            /** Updated */
            updated: number;
            /** Updated Source Ids */
            updated_source_ids?: string[] | null;
            /** Version Id */
            version_id: string | null;
        };
        /**
         * Usage
         * @description Usage totals of the runs that report it.
         */
        Usage: {
            /**
             * Costs
             * @description One total per currency, ordered by currency (null first).
             */
            costs: components["schemas"]["CostTotal"][];
            /**
             * Runs With Tokens
             * @description Runs that report `tokens_in` or `tokens_out`.
             */
            runs_with_tokens: number;
            /**
             * Tokens In
             * @description Sum over the runs that report it (0 when none does).
             */
            tokens_in: number;
            /** Tokens Out */
            tokens_out: number;
        };
        /**
         * Verdict
         * @description What a CI gate reads: `regressed` is true when some example of the scope regressed;
         *     `comparable` is false when there was nothing to compare (a gate fails then too).
         */
        Verdict: {
            /**
             * Comparable
             * @description False when no example of the scope could be compared (see `not_comparable`): `regressed` false then means nothing.
             */
            comparable: boolean;
            /** Improved Examples */
            improved_examples: number;
            /**
             * Missing Runs
             * @description Examples of the scope with a successful base run and no successful head run (no run, or only errors): regressions, with or without evaluators.
             */
            missing_runs: number;
            /**
             * New Run Errors
             * @description Examples of the scope whose run error rate is higher in head.
             */
            new_run_errors: number;
            /** @description Why, when `comparable` is false; else null. */
            not_comparable: components["schemas"]["NotComparable"] | null;
            /** Regressed */
            regressed: boolean;
            /** Regressed Examples */
            regressed_examples: number;
            /**
             * Regressions
             * @description Per evaluator, its regressions in the scope.
             */
            regressions: {
                [key: string]: number;
            };
            /**
             * Scope
             * @description The classes counted: `same_content` (like for like), and `changed` with include_changed.
             */
            scope: ("only_base" | "only_head" | "same_content" | "changed")[];
        };
        /** Version */
        Version: {
            /** Created */
            created: number;
            /** Created At */
            created_at: string;
            /** Dataset Id */
            dataset_id: string;
            /** Deleted */
            deleted: number;
            /** Description */
            description: string | null;
            /** Digest */
            digest: string;
            /** Example Count */
            example_count: number;
            /** Id */
            id: string;
            /** Metadata */
            metadata: {
                [key: string]: unknown;
            };
            /**
             * Tags
             * @description The tags on this version, sorted by code point.
             */
            tags: string[];
            /** Updated */
            updated: number;
        };
        /** VersionPage */
        VersionPage: {
            /** Data */
            data: components["schemas"]["Version"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    health_health_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description Problem details (RFC 9457) */
            405: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_datasets_v1_datasets_get: {
        parameters: {
            query?: {
                cursor?: string | null;
                limit?: number;
                name?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetPage"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_dataset_v1_datasets__dataset_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Dataset"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_dataset_v1_datasets__dataset_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_diff_v1_datasets__dataset_id__diff_get: {
        parameters: {
            query?: {
                /** @description The first version by its tag. */
                from_tag?: string | null;
                from_version_id?: string | null;
                /** @description The second version by its tag. */
                to_tag?: string | null;
                to_version_id?: string | null;
            };
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Diff"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_examples_v1_datasets__dataset_id__examples_get: {
        parameters: {
            query?: {
                cursor?: string | null;
                limit?: number | null;
                /** @description Only the examples whose source id, input, output or metadata contains this text, letter case ignored (ASCII letters on SQLite, all on PostgreSQL); the content is searched as its canonical JSON text, member names included. At most 1000 characters (422 `query_too_long`). Every example is read for a rare text: about 0.1 s per 100,000 examples of 1 KB. */
                q?: string | null;
                /** @description Only the examples of these source ids (exact; repeat the parameter, at most 1000: 422 `too_many_source_ids`). */
                source_id?: string[] | null;
                /** @description The version by its tag, instead of `version_id` (both: 422 `version_and_tag`). */
                tag?: string | null;
                version_id?: string | null;
            };
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExamplePage"];
                    "application/x-ndjson": string;
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_experiments_v1_datasets__dataset_id__experiments_get: {
        parameters: {
            query?: {
                /** @description An experiment id: only the experiments created before it (smaller ids). */
                before?: string | null;
                cursor?: string | null;
                limit?: number;
                /** @description Only the experiments of this exact name. */
                name?: string | null;
                /** @description Each experiment with its `summary`, as GET /v1/experiments/{id} gives it. A page then holds at most 100 experiments whatever `limit` says (`next_cursor` goes on from there). */
                summary?: boolean;
                /** @description The version by its tag, instead of `version_id` (both: 422 `version_and_tag`). */
                tag?: string | null;
                version_id?: string | null;
            };
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExperimentPage"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_experiment_v1_datasets__dataset_id__experiments_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ExperimentCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Experiment"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    export_dataset_v1_datasets__dataset_id__export_get: {
        parameters: {
            query?: {
                format?: "jsonl" | "csv";
                /** @description The member (CSV: column) of each example's source id. */
                id_key?: string;
                tag?: string | null;
                version_id?: string | null;
            };
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The version's examples as a file */
            200: {
                headers: {
                    /** @description The version exported. */
                    "X-Version-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/jsonl": string;
                    "text/csv": string;
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_manifest_v1_datasets__dataset_id__manifest_get: {
        parameters: {
            query?: {
                /** @description The version by its tag, instead of `version_id` (both: 422 `version_and_tag`). */
                tag?: string | null;
                version_id?: string | null;
            };
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Manifest"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_schema_v1_datasets__dataset_id__schema_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetSchema"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    set_schema_v1_datasets__dataset_id__schema_put: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SchemaSet"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetSchema"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_schema_v1_datasets__dataset_id__schema_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    schema_history_v1_datasets__dataset_id__schema_history_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchemaHistory"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_tags_v1_datasets__dataset_id__tags_get: {
        parameters: {
            query?: {
                /** @description The last name of the previous page. */
                cursor?: string | null;
                limit?: number;
            };
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TagPage"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_tag_v1_datasets__dataset_id__tags__tag__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
                tag: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tag"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    set_tag_v1_datasets__dataset_id__tags__tag__put: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
                tag: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TagSet"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tag"];
                };
            };
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tag"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_tag_v1_datasets__dataset_id__tags__tag__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
                tag: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    tag_history_v1_datasets__dataset_id__tags__tag__history_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
                tag: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TagHistory"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_versions_v1_datasets__dataset_id__versions_get: {
        parameters: {
            query?: {
                cursor?: string | null;
                limit?: number;
            };
            header?: never;
            path: {
                dataset_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VersionPage"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_version_v1_datasets__dataset_id__versions__version_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                dataset_id: string;
                version_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Version"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    upsert_v1_datasets_upsert_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpsertRequest"];
                "application/x-ndjson": string;
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UpsertResult"];
                };
            };
            /** @description Problem details (RFC 9457) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    plan_v1_datasets_upsert_plan_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PlanRequest"];
                "application/x-ndjson": string;
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlanResult"];
                };
            };
            /** @description Problem details (RFC 9457) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    get_experiment_v1_experiments__experiment_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                experiment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Experiment"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    delete_experiment_v1_experiments__experiment_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                experiment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    upsert_evaluations_v1_experiments__experiment_id__evaluations_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                experiment_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EvaluationBatch"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EvaluationBatchResult"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_incomplete_v1_experiments__experiment_id__incomplete_get: {
        parameters: {
            query?: {
                cursor?: string | null;
                limit?: number;
            };
            header?: never;
            path: {
                experiment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IncompletePage"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    reuse_results_v1_experiments__experiment_id__reuse_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                experiment_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReuseRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReuseResult"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    list_runs_v1_experiments__experiment_id__runs_get: {
        parameters: {
            query?: {
                cursor?: string | null;
                /** @description `only`: the runs that errored; `none`: the runs that did not. */
                errors?: ("only" | "none") | null;
                /** @description The evaluator (by name) whose score `min_score`, `max_score` and `sort=score` read. */
                evaluator?: string | null;
                limit?: number;
                /** @description Only the runs `evaluator` scored at most this. */
                max_score?: number | null;
                /** @description Only the runs `evaluator` scored at least this (runs it did not score are left out). */
                min_score?: number | null;
                /** @description `id` (the order they were stored), `source_id`, `latency_ms` or `score` (the `evaluator`'s); `-` before it for descending. Runs without a latency or score come last either way; ties go by run id. */
                sort?: "id" | "-id" | "source_id" | "-source_id" | "latency_ms" | "-latency_ms" | "score" | "-score";
                /** @description Only the runs of these examples (exact source ids; repeat the parameter, at most 1000: 422 `too_many_source_ids`). */
                source_id?: string[] | null;
            };
            header?: never;
            path: {
                experiment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunPage"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    add_runs_v1_experiments__experiment_id__runs_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                experiment_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RunBatch"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunBatchResult"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    compare_experiments_v1_experiments_compare_get: {
        parameters: {
            query: {
                /** @description The base experiment's id. */
                base: string;
                cursor?: string | null;
                /** @description The head experiment's id (on the same dataset). */
                head: string;
                /** @description Count `changed` examples in the verdict too (default: like for like). */
                include_changed?: boolean;
                limit?: number;
                /** @description Repeatable: list only the examples matching one of these. */
                only?: ("regressions" | "improvements" | "new_errors" | "missing_runs" | "output_changed" | "only_base" | "only_head" | "same_content" | "changed")[];
                /** @description The examples by `example_id`, or `regressions_first` (each part by example id). */
                order?: "example_id" | "regressions_first";
                /** @description Repeatable: `0.2` for every evaluator, `NAME:0.2` for the evaluator NAME (split at the last `:`). The drop that counts as a regression (the rise an improvement); default 0 (any drop) for a boolean evaluator, 0.1 for a numeric one. */
                threshold?: string[];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Comparison"];
                };
            };
            /** @description Problem details (RFC 9457) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Problem details (RFC 9457): `write_conflict`, the request met concurrent writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed locked) on every attempt; `database_busy`, every connection of the server's pool stayed in use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the database failed or was lost (a restart). Nothing was written: send it again after `Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under the running server (its SQLite file deleted, moved or replaced, its tables dropped); restore it, or restart the server */
            503: {
                headers: {
                    /** @description Seconds to wait before sending again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
