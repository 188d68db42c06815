import { strict as assert } from "assert";
import { signerPolicyRules, vaultSignPath } from "../src/vault";
import { VaultPolicyRule, renderVaultPolicy } from "../src/vaultPolicy";

/**
 * HCL v1 as Vault parses policies: `js-hcl-parser` is hashicorp/hcl (v1), the library Vault's
 * policy parser uses, compiled to JavaScript. It returns JSON, or an "unable to parse" message.
 */

const hcl: { parse(input: string): string } = require("js-hcl-parser");

/** Parses a policy and returns what it grants, path by path; fails on anything but path blocks with capabilities. */
function grants(policy: string): Record<string, string[]> {
    const text = hcl.parse(policy);
    assert.ok(!text.startsWith("unable to"), `HCL parse error: ${text}`);
    const document = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(document), ["path"], "only path blocks at the top level");
    const result: Record<string, string[]> = {};
    for (const entry of document.path as Record<string, Record<string, unknown>[]>[]) {
        for (const [path, blocks] of Object.entries(entry)) {
            assert.ok(!(path in result), `path ${path} appears once`);
            assert.equal(blocks.length, 1);
            assert.deepEqual(
                Object.keys(blocks[0]).filter((key) => key !== "allowed_parameters"),
                ["capabilities"],
                `path ${path} sets nothing but capabilities and allowed parameters (no wrapping)`,
            );
            result[path] = blocks[0].capabilities as string[];
        }
    }
    return result;
}

describe("Vault policy HCL", () => {
    it("the parser really rejects malformed HCL", () => {
        assert.match(hcl.parse('path "x" { capabilities = [ }'), /^unable to parse/);
        assert.throws(() => grants('path "x" { capabilities = ["read"] }\nother "y" {}'));
    });

    it("renders rules that parse back to exactly the same grants", () => {
        const rules: VaultPolicyRule[] = [
            { path: "pki-istio/sign/istio-workloads", capabilities: ["create", "update"] },
            { path: "secret/data/team/*", capabilities: ["read", "list"] },
        ];
        assert.deepEqual(grants(renderVaultPolicy(rules)), { "pki-istio/sign/istio-workloads": ["create", "update"], "secret/data/team/*": ["read", "list"] });
    });

    it("grants the cacerts signer only create and update on sign-intermediate of the intermediate mount", () => {
        const policy = renderVaultPolicy(signerPolicyRules("cacerts", "pki-istio", { cacerts: { commonName: "istio-ca intermediate", durationMs: 8760 * 3600000 } }));
        assert.deepEqual(grants(policy), { "pki-istio/root/sign-intermediate": ["create", "update"] });
        assert.equal(vaultSignPath("cacerts", "pki-istio"), "pki-istio/root/sign-intermediate");
        assert.throws(() => signerPolicyRules("cacerts", "pki-istio"), /needs the request it allows/);
    });

    it("lets the cacerts signer send exactly what cert-manager sends for the cacerts Certificate, and nothing else", () => {
        const policy = renderVaultPolicy(signerPolicyRules("cacerts", "pki-istio", { cacerts: { commonName: "istio-ca intermediate r2027", durationMs: 8760 * 3600000 } }));
        const parsed = JSON.parse(hcl.parse(policy));
        const [allowed] = parsed.path[0]["pki-istio/root/sign-intermediate"][0].allowed_parameters;
        // cert-manager internal/vault/vault.go Sign: these seven string parameters, ttl as Go's Duration.String().
        assert.deepEqual(allowed, {
            common_name: ["istio-ca intermediate r2027"],
            alt_names: [""],
            ip_sans: [""],
            uri_sans: [""],
            ttl: ["8760h0m0s"],
            csr: [],
            exclude_cn_from_sans: ["true"],
        });
        // With allowed_parameters set, Vault denies every parameter not listed: max_path_length, use_csr_values, not_after, format, issuer_ref.
        for (const denied of ["max_path_length", "use_csr_values", "not_after", "format", "issuer_ref", "*"]) assert.ok(!(denied in allowed), denied);
    });

    it("quotes parameter values for HCL and refuses globbing values", () => {
        const policy = renderVaultPolicy([{ path: "a/b", capabilities: ["create"], allowedParameters: { common_name: ['x "y" \\ z'] } }]);
        assert.deepEqual(JSON.parse(hcl.parse(policy)).path[0]["a/b"][0].allowed_parameters[0].common_name, ['x "y" \\ z']);
        assert.throws(() => renderVaultPolicy([{ path: "a/b", capabilities: ["create"], allowedParameters: { common_name: ["istio-*"] } }]), /exact values/);
        assert.throws(() => renderVaultPolicy([{ path: "a/b", capabilities: ["create"], allowedParameters: { common_name: ["a\nb"] } }]), /control characters/);
    });

    it("grants the istio-csr signer only create and update on the workload role's sign path", () => {
        const policy = renderVaultPolicy(signerPolicyRules("istio-csr", "mesh/pki"));
        assert.deepEqual(grants(policy), { "mesh/pki/sign/istio-workloads": ["create", "update"] });
        assert.ok(!/\*|\+|sudo|read|delete|issue|root\//.test(policy), policy);
        assert.deepEqual(grants(renderVaultPolicy(signerPolicyRules("istio-csr", "mesh/pki", { workloadRole: "mesh-workloads" }))), {
            "mesh/pki/sign/mesh-workloads": ["create", "update"],
        });
    });

    it("refuses paths and capabilities that would change what the policy means", () => {
        assert.throws(() => renderVaultPolicy([]), /at least one rule/);
        assert.throws(() => renderVaultPolicy([{ path: 'x" { capabilities = ["sudo"] } path "y', capabilities: ["read"] }]), /not a Vault policy path/);
        assert.throws(() => renderVaultPolicy([{ path: "/pki/sign/x", capabilities: ["read"] }]), /not a Vault policy path/);
        assert.throws(() => renderVaultPolicy([{ path: "pki/sign/x", capabilities: [] }]), /no capabilities/);
        assert.throws(() => renderVaultPolicy([{ path: "pki/sign/x", capabilities: ["root" as never] }]), /not a Vault capability/);
        assert.throws(() => renderVaultPolicy([{ path: "pki/sign/x", capabilities: ["read", "read"] }]), /repeats/);
        assert.throws(
            () =>
                renderVaultPolicy([
                    { path: "a", capabilities: ["read"] },
                    { path: "a", capabilities: ["list"] },
                ]),
            /twice/,
        );
    });
});
