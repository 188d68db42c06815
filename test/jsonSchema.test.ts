import { strict as assert } from "assert";
import { checkSchema } from "../scripts/jsonSchema";

const CRD_ROOT = {
    type: "object",
    properties: {
        spec: {
            type: "object",
            required: ["secretName"],
            "x-kubernetes-validations": [{ rule: "has(self.secretName)" }],
            properties: {
                secretName: { type: "string", maxLength: 8, pattern: "^[a-z]+$" },
                usages: { type: "array", items: { type: "string", enum: ["cert sign", "crl sign"] } },
                port: { "x-kubernetes-int-or-string": true },
                extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
        },
    },
};

const VALUES = {
    $ref: "#/$defs/root",
    $defs: { root: { type: "object", additionalProperties: false, properties: { crds: { type: "object", properties: { enabled: { type: "boolean" } } } } } },
};

describe("reference scripts' JSON-schema walker", () => {
    const resource = (spec: Record<string, unknown>) => ({ apiVersion: "x.io/v1", kind: "K", metadata: { name: "n", anything: true }, spec });

    it("accepts a Kubernetes object matching its CRD, with implicit apiVersion, kind and metadata, and collects CEL rules", () => {
        const result = checkSchema(resource({ secretName: "abc", usages: ["cert sign"], port: "https", extra: { free: 1 } }), CRD_ROOT, { kubernetesObject: true });
        assert.deepEqual(result, { problems: [], celRules: ["spec: has(self.secretName)"] });
    });

    it("refuses pruned fields, wrong types, enums, patterns, lengths and missing required fields", () => {
        const { problems } = checkSchema(resource({ secretNam: "abc", usages: ["sign"], port: 1.5, nested: {} }), CRD_ROOT, { kubernetesObject: true });
        assert.deepEqual(problems, [
            "spec.secretName: required",
            "spec.secretNam: unknown field (the API server prunes it)",
            'spec.usages[0]: "sign" not in enum ["cert sign","crl sign"]',
            "spec.port: expected int or string, got 1.5",
            "spec.nested: unknown field (the API server prunes it)",
        ]);
        assert.deepEqual(checkSchema(resource({ secretName: "ABCDEFGHIJ" }), CRD_ROOT, { kubernetesObject: true }).problems, [
            "spec.secretName: does not match ^[a-z]+$",
            "spec.secretName: longer than 8",
        ]);
        assert.deepEqual(checkSchema(resource({ secretName: 3 }), CRD_ROOT, { kubernetesObject: true }).problems, ['spec.secretName: expected "string", got 3']);
    });

    it("applies plain JSON-schema semantics to chart values: $ref, and only additionalProperties false refuses a key", () => {
        assert.deepEqual(checkSchema({ crds: { enabled: true, keep: true } }, VALUES).problems, []);
        assert.deepEqual(checkSchema({ crd: { enabled: true } }, VALUES).problems, ["crd: not allowed (additionalProperties: false)"]);
        assert.deepEqual(checkSchema({ crds: { enabled: "yes" } }, VALUES).problems, ['crds.enabled: expected "boolean", got "yes"']);
    });

    it("refuses a $ref cycle instead of following it forever", () => {
        const selfRef = { $ref: "#/definitions/loop", definitions: { loop: { $ref: "#/definitions/loop" } } };
        assert.throws(() => checkSchema({}, selfRef), /\$ref cycle: #\/definitions\/loop -> #\/definitions\/loop/);
        const twoStep = { $ref: "#/definitions/a", definitions: { a: { $ref: "#/definitions/b" }, b: { $ref: "#/definitions/a" } } };
        assert.throws(() => checkSchema({}, twoStep), /\$ref cycle/);
        // A recursive schema whose $ref reaches a real node is fine: each level resolves on its own.
        const tree = { $ref: "#/definitions/node", definitions: { node: { type: "object", properties: { child: { $ref: "#/definitions/node" } } } } };
        assert.deepEqual(checkSchema({ child: { child: {} } }, tree).problems, []);
    });
});
