import { strict as assert } from "assert";
import { dns1123LabelProblem, dns1123SubdomainProblem, labelKeyProblem, labelValueProblem, pinnedHostProblem } from "../src/k8sNames";

describe("Kubernetes and Istio name syntax", () => {
    it("accepts DNS-1123 labels and refuses the rest", () => {
        for (const ok of ["a", "payments", "team-a", "x1", "a".repeat(63)]) assert.equal(dns1123LabelProblem(ok), undefined, ok);
        for (const bad of ["", "Payments", "-a", "a-", "a_b", "a.b", "a".repeat(64)]) assert.ok(dns1123LabelProblem(bad), bad);
    });

    it("accepts DNS-1123 subdomains", () => {
        assert.equal(dns1123SubdomainProblem("example.com"), undefined);
        assert.ok(dns1123SubdomainProblem("example..com"));
        assert.ok(dns1123SubdomainProblem(`${"a".repeat(63)}.`.repeat(4) + "a"));
    });

    it("checks label keys with and without prefix", () => {
        for (const ok of ["app", "app.kubernetes.io/name", "example.com/Tier_2", "A.b-c"]) assert.equal(labelKeyProblem(ok), undefined, ok);
        const cases: [string, RegExp][] = [
            ["", /empty/],
            ["app*", /'\*'/],
            ["a/b/c", /more than one '\/'/],
            ["Example.com/app", /prefix/],
            ["example.com/", /empty name/],
            ["-app", /start and end/],
            ["x".repeat(64), /at most 63/],
        ];
        for (const [key, reason] of cases) assert.match(labelKeyProblem(key) ?? "", reason, key);
    });

    it("checks label values", () => {
        for (const ok of ["", "v1", "Blue_green.2"]) assert.equal(labelValueProblem(ok), undefined, ok);
        assert.match(labelValueProblem("v*") ?? "", /'\*'/);
        assert.match(labelValueProblem("a b") ?? "", /letters/);
        assert.match(labelValueProblem("v".repeat(64)) ?? "", /at most 63/);
    });

    it("accepts FQDN and leading-wildcard hosts", () => {
        for (const ok of ["payments.prod.svc.cluster.local", "*.prod.svc.cluster.local", "api.example.com"]) assert.equal(pinnedHostProblem(ok), undefined, ok);
    });

    it("refuses hosts that do not name mesh services precisely", () => {
        const cases: [string, RegExp][] = [
            ["", /empty/],
            ["*", /bare wildcard/],
            ["https://payments.prod", /scheme/],
            ["payments.prod:8443", /port or path/],
            ["10.0.0.1", /IP address/],
            ["pay*.prod.svc", /leading/],
            ["a.*.svc", /leading/],
            ["Payments.prod.svc", /upper-case/],
            ["payments", /short name/],
            ["pay_ments.prod", /valid DNS name/],
            [`${"a".repeat(60)}.`.repeat(5) + "com", /255/],
        ];
        for (const [host, reason] of cases) assert.match(pinnedHostProblem(host) ?? "", reason, host);
    });
});
