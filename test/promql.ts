/** PromQL checks with Prometheus' own grammar (`@prometheus-io/lezer-promql`). */
import { parser } from "@prometheus-io/lezer-promql";

/** Error nodes of the parse tree (empty when the expression parses). */
export function promqlErrors(expr: string): string[] {
    const errors: string[] = [];
    parser.parse(expr).iterate({
        enter(node) {
            if (node.type.isError) errors.push(`parse error at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 10), node.to + 10))}`);
        },
    });
    return errors;
}

/** Metric names used by the expression's vector selectors. */
export function metricNames(expr: string): string[] {
    const names = new Set<string>();
    parser.parse(expr).iterate({
        enter(node) {
            if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") names.add(expr.slice(node.from, node.to));
        },
    });
    return [...names];
}
