import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanError, loadStackConfig } from "../plan/engine";
import { selfSignedCertificate } from "../plan/x509";
import { parseDuration } from "../src/duration";
import { ConfigProblem, parseStackConfig } from "../src/config";
import { rawConfigFromValues } from "../src/rawConfig";
import { configProblems, corpRoot, onlyConfigProblem, rawConfig } from "./helpers";
import { VAULT_BASE } from "./vaultTypes";

const ROOT_KEYS = { secretKeys: ["existingRootKey"] };

function onlyProblem(values: Record<string, unknown>, key: string, options: { secretKeys?: string[] } = {}): ConfigProblem {
    return onlyConfigProblem(values, key, options);
}

describe("no input slips through: each refused with the key, the value and a fix", () => {
    let rootCertPem: string;
    let rootKeyPem: string;
    before(async () => {
        ({ certPem: rootCertPem, keyPem: rootKeyPem } = await corpRoot());
    });

    it("an existing root that is not valid yet", async () => {
        const future = (
            await selfSignedCertificate(rootKeyPem, {
                subject: { commonName: "later root" },
                validityHours: 20000,
                notBefore: new Date(Date.now() + 30 * 86400000),
                isCa: true,
                allowedUses: ["cert_signing"],
                setSubjectKeyId: true,
            })
        ).certPem;
        const problem = onlyProblem({ caMode: "plugin", existingRootCert: future, existingRootKey: rootKeyPem }, "existingRootCert", ROOT_KEYS);
        assert.match(problem.message, /not valid yet \(notBefore/);
        assert.equal(problem.value, "(PEM, not shown)");
    });

    it("an existing root or key with text besides its PEM block", () => {
        assert.match(
            onlyProblem({ caMode: "plugin", existingRootCert: `${rootCertPem}trailing junk`, existingRootKey: rootKeyPem }, "existingRootCert", ROOT_KEYS).message,
            /text besides the PEM certificate/,
        );
        assert.match(
            onlyProblem({ caMode: "plugin", existingRootCert: rootCertPem, existingRootKey: `${rootKeyPem}junk` }, "existingRootCert", ROOT_KEYS).message,
            /not exactly one PEM private key block/,
        );
    });

    it("lifetimes a certificate cannot have, and durations Go cannot hold", () => {
        for (const key of ["rootValidity", "intermediateValidity"]) {
            const problem = onlyProblem({ caMode: "plugin", [key]: "876000000h" }, key);
            assert.match(problem.message, /is not a positive Go duration \(at most 2562047h/);
        }
        const century = onlyProblem({ caMode: "plugin", rootValidity: "900000h" }, "rootValidity");
        assert.match(century.message, /longer than 876000h: .*wraps/);
        assert.match(onlyProblem({ ...VAULT_BASE, vaultIntermediateValidity: "900000h" }, "vaultIntermediateValidity").message, /longer than 876000h/);
        assert.equal(parseDuration("99999999999999999999999h"), undefined);
        assert.match(onlyProblem({ caMode: "plugin", rotationPropagationDelay: "99999999999999999999999h" }, "rotationPropagationDelay").message, /not a positive Go duration/);
    });

    it("trust domains that are not DNS-style names", () => {
        for (const trustDomain of [".", "..", "-", "a..b", ".a", "a.", "-a.b", "a-.b", "A.b", "a b", "spiffe://a"]) {
            assert.match(onlyProblem({ trustDomain }, "trustDomain").message, /not a valid SPIFFE trust domain/, trustDomain);
        }
        for (const trustDomain of ["a", "cluster.local", "prod.example.com", "my_domain.io", "a-b.c-d"])
            assert.doesNotThrow(() => parseStackConfig(rawConfig({ trustDomain })), trustDomain);
    });

    it("a root CN that is empty, has a newline, is over 64 characters, or grows over 64 with the root's name", () => {
        assert.match(onlyProblem({ caMode: "plugin", rootCommonName: "" }, "rootCommonName").message, /is empty/);
        assert.match(onlyProblem({ caMode: "plugin", rootCommonName: "evil\nO=admin" }, "rootCommonName").message, /control character/);
        assert.match(onlyProblem({ caMode: "plugin", rootCommonName: "x".repeat(65) }, "rootCommonName").message, /65 characters long; RFC 5280 allows at most 64/);
        assert.match(onlyProblem({ caMode: "plugin", rootCommonName: " padded" }, "rootCommonName").message, /whitespace/);
        assert.match(onlyProblem({ caMode: "plugin", rootCommonName: "x".repeat(60), roots: ["r2026"] }, "rootCommonName").message, /with the root's name appended/);
        assert.match(onlyProblem({ caMode: "plugin", organization: "o".repeat(70) }, "organization").message, /70 characters long/);
        assert.match(onlyProblem({ ...VAULT_BASE, organization: "o".repeat(46) }, "organization").message, /Vault intermediate's CN/);
    });

    it("a 5 MB root CN: refused at once, and the message does not carry it", () => {
        const started = Date.now();
        const problem = onlyProblem({ caMode: "plugin", rootCommonName: "x".repeat(5 * 1024 * 1024) }, "rootCommonName");
        assert.ok(Date.now() - started < 5000, "no pathological work");
        assert.ok(problem.value.length < 200, `the value is cut: ${problem.value.length}`);
        assert.match(problem.value, /\(5242880 characters\)$/);
    });

    it("an audience with quotes or spaces", () => {
        for (const audience of ['https://k8s"', "a b", "x\\y", "'x'"]) {
            assert.match(onlyProblem({ ...VAULT_BASE, vaultKubernetesApiAudience: audience }, "vaultKubernetesApiAudience").message, /not an audience/, audience);
        }
    });

    it("nested Vault mounts, which Vault refuses", () => {
        const problem = onlyProblem({ ...VAULT_BASE, vaultIntermediateMountPath: "pki-istio", vaultRootMountPath: "pki-istio/root" }, "vaultIntermediateMountPath");
        assert.match(problem.message, /nests with istio-ca:vaultRootMountPath/);
        onlyProblem({ ...VAULT_BASE, vaultIntermediateMountPath: "a/b/c", vaultRootMountPath: "a/b" }, "vaultIntermediateMountPath");
        assert.doesNotThrow(() => parseStackConfig(rawConfig({ ...VAULT_BASE, vaultIntermediateMountPath: "pki-istio", vaultRootMountPath: "pki-istio-root" })));
    });

    it("a state stack name with path parts", () => {
        for (const name of ["../../etc", "./x", "a/../b", "a//b", "/a"])
            assert.match(onlyProblem({ caMode: "plugin", rotationStateStack: name }, "rotationStateStack").message, /not a stack name/, name);
    });

    it("keys in a misspelt namespace, which the CLI would pass under another name", () => {
        const fromCli = rawConfigFromValues(
            { "istioca:caMode": "plugin", "istio_ca:trustDomain": "x.y", "Istio-CA:roots": "[]", "kubernetes:context": "prod", "istio-ca:caMode": "plugin" },
            () => false,
        );
        const problems = configProblemsOf(fromCli);
        assert.deepEqual(problems.map((p) => p.key).sort(), ["Istio-CA:roots", "istio_ca:trustDomain", "istioca:caMode"]);
        for (const problem of problems) assert.match(problem.fix, /did you mean istio-ca:/);
    });

    it("50,000 unknown keys: refused quickly, the first listed and the rest counted", () => {
        const values: Record<string, string> = {};
        for (let i = 0; i < 50000; i++) values[`unknownKeyNumber${i}WithAFairlyLongNameToMakeEditDistanceCostly`] = "x";
        const started = Date.now();
        const problems = configProblems(values);
        assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
        assert.equal(problems.length, 21);
        assert.match(problems[20].message, /50000 keys in all are not config keys/);
    });

    it("a private key pasted into vaultCaBundle: refused, and never echoed", () => {
        const problem = onlyProblem({ ...VAULT_BASE, vaultCaBundle: `${rootCertPem}${rootKeyPem}` }, "vaultCaBundle");
        assert.match(problem.message, /holds a private key/);
        assert.ok(!JSON.stringify(problem).includes("PRIVATE KEY") && !JSON.stringify(problem).includes(rootKeyPem.split("\n")[1]), JSON.stringify(problem));
        assert.match(onlyProblem({ ...VAULT_BASE, vaultCaBundle: `${rootCertPem}junk` }, "vaultCaBundle").message, /text besides the PEM certificates/);
        // A key pasted alone, or into any string key, is not echoed either.
        for (const key of ["vaultCaBundle", "rootCommonName", "trustDomain"]) {
            const problems = configProblems({ ...VAULT_BASE, [key]: rootKeyPem });
            assert.ok(problems.length > 0);
            assert.ok(!JSON.stringify(problems).includes(rootKeyPem.split("\n")[1]), key);
        }
    });

    it("a stack file that is empty, a list, a scalar, or has no config map", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-file-"));
        const cases: [string, RegExp][] = [
            ["", /is empty, not a stack file/],
            ["- a\n- b\n", /is a list, not a stack file/],
            ["just text\n", /is a string, not a stack file/],
            ["name: x\n", /has no "config:" map/],
            ["config: [a]\n", /"config" must be a map/],
        ];
        for (const [text, message] of cases) {
            const file = path.join(dir, "Pulumi.x.yaml");
            fs.writeFileSync(file, text);
            assert.throws(
                () => loadStackConfig(file),
                (err: unknown) => err instanceof PlanError && message.test(err.message),
                JSON.stringify(text),
            );
        }
        fs.writeFileSync(path.join(dir, "Pulumi.x.yaml"), "config: {}\n");
        assert.deepEqual(loadStackConfig(path.join(dir, "Pulumi.x.yaml")).values, {}, "an explicit empty config map is a choice");
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

function configProblemsOf(raw: ReturnType<typeof rawConfigFromValues>): ConfigProblem[] {
    try {
        parseStackConfig({ ...raw });
    } catch (err) {
        return (err as { problems: ConfigProblem[] }).problems;
    }
    return assert.fail("accepted");
}
