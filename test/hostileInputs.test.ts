import { strict as assert } from "assert";
import { parseDrillArgs } from "../drill/cli";
import { PlanError } from "../plan/engine";
import { generateKey, selfSignedCertificate } from "../plan/x509";
import { guardRotation } from "../program/rotationGuard";
import { RotationState, readPreviousDeployment } from "../program/rotationState";
import { CONFIG_KEYS, ConfigProblem, parseStackConfig, shownValue } from "../src/config";
import { PEM_BLOCK_MAX_CHARS, PEM_BUNDLE_MAX_CHARS, checkCaKeyPair, scanPem, splitPemCertificates } from "../src/pki";
import { configProblems, onlyConfigProblem, only, planConfig, rawConfig, rejection } from "./helpers";
import { ID, READ } from "./rotationFixtures";
import { at } from "./rotationSteps";
import { VAULT_BASE } from "./vaultTypes";

const ONE_MB = 1024 * 1024;
const TOKEN = "hvs.CAESIsupersecrettokenvalue";
const PASSWORD = "s3cr3tPW";

/** Text of `unit` repeated to at least `chars` characters. */
function repeated(unit: string, chars: number): string {
    return unit.repeat(Math.ceil(chars / unit.length));
}

/** Lists nested `depth` deep: [[[...]]]. */
function nestedLists(depth: number): string {
    return "[".repeat(depth) + "]".repeat(depth);
}

/** A text with every character outside printable ASCII written as \u{...}, for test titles. */
function escaped(text: string): string {
    return text.replace(/[^\x20-\x7e]/gu, (char) => `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

function assertNotIn(problems: ConfigProblem[], ...secrets: string[]): void {
    const text = JSON.stringify(problems);
    for (const secret of secrets) assert.ok(!text.includes(secret), `a message carries ${JSON.stringify(secret)}: ${text.slice(0, 500)}`);
}

describe("hostile inputs: deeply nested structured values", () => {
    const cases: [string, Record<string, unknown>][] = [
        ["permissiveFallbacks", { permissiveFallbacks: `[${nestedLists(8000)}]` }],
        ["permissiveFallbacks", { permissiveFallbacks: `[${'{"x":'.repeat(5000)}1${"}".repeat(5000)}]` }],
        ["pinnedHosts", { pinnedHosts: `[{"host":"a.b.svc.cluster.local","clientNamespace":"x","serviceAccounts":[${nestedLists(8000)}]}]` }],
        ["alertRuleLabels", { alertsEnabled: "true", alertRuleLabels: `{"app":${nestedLists(5000)}}` }],
    ];
    for (const [key, values] of cases) {
        it(`refuses ${key} nested thousands of levels deep with a problem naming the key, not a crash`, () => {
            const problem = onlyConfigProblem({ caMode: "plugin", ...values }, key);
            assert.match(problem.message, /nests lists or maps more than 10 levels deep/);
            assert.match(problem.value, /^"[[{]/, "the start of the value is shown");
            assert.ok(problem.value.length < 200, `the value is cut: ${problem.value.length}`);
            assert.match(problem.fix, /configuration reference/);
        });
    }

    it("takes structures as deep as the keys use", () => {
        const model = parseStackConfig(
            rawConfig({ caMode: "plugin", permissiveFallbacks: [{ namespace: "legacy", selector: { app: "billing" }, reason: "plaintext health checks" }] }),
        );
        assert.equal(model.meshPolicy.permissiveFallbacks.length, 1);
    });

    it("shows a deep or huge value cut, never overflowing the stack", () => {
        const deep = JSON.parse(nestedLists(100000));
        const shown = shownValue(deep);
        assert.match(shown, /^"\[\[\[.*\.\.\." \(cut\)$/);
        assert.ok(shown.length < 200);
        const huge = Array.from({ length: 200000 }, (_, i) => `ns/sa${i}`);
        assert.match(shownValue(huge), /^"\[\\"ns\/sa0\\",.*\.\.\." \(cut\)$/);
        assert.equal(shownValue({ a: [1, "x"] }), '{"a":[1,"x"]}', "a small value is shown whole");
    });

    it("reads deep previous outputs as unreadable, not a crash", () => {
        const previous = readPreviousDeployment(JSON.parse(nestedLists(20000)), READ);
        assert.equal(previous.kind, "unreadable");
        if (previous.kind !== "unreadable") return;
        assert.match(previous.problems[0], /outputs are "\[\[\[.*\(cut\), not a map of outputs/);
        assert.ok(previous.problems[0].length < 1000);
    });
});

describe("hostile inputs: PEM scanning is linear and PEM values are capped", () => {
    const beginLines = repeated("-----BEGIN CERTIFICATE-----\n", ONE_MB);

    it("splits 1 MB of BEGIN lines without an END into no certificates", () => {
        assert.deepEqual(splitPemCertificates(beginLines), []);
        assert.deepEqual(scanPem(beginLines), { blocks: [], otherText: true });
        assert.deepEqual(scanPem(repeated("-----BEGIN PRIVATE KEY-----\n", ONE_MB)), { blocks: [], otherText: true });
    });

    it("finds the one certificate among 1 MB of broken blocks", async () => {
        const key = generateKey("ECDSA", { ecdsaCurve: "P256" }).privateKeyPem;
        const cert = (await selfSignedCertificate(key, { subject: { commonName: "linear" }, validityHours: 100, isCa: true, allowedUses: ["cert_signing"] })).certPem;
        const found = splitPemCertificates(`${beginLines}${cert}${repeated("-----BEGIN X509 CRL-----\nAAAA\n", ONE_MB)}`);
        assert.deepEqual(found, [cert.trim() + "\n"]);
    });

    it("scans blocks, their labels and what lies around them", () => {
        const block = (label: string, body = "QUJD") => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
        assert.deepEqual(
            scanPem(`${block("CERTIFICATE")}\n\n${block("EC PRIVATE KEY")}\n`).blocks.map((b) => [b.label, b.body]),
            [
                ["CERTIFICATE", "\nQUJD\n"],
                ["EC PRIVATE KEY", "\nQUJD\n"],
            ],
        );
        assert.equal(scanPem(`${block("CERTIFICATE")}\n`).otherText, false);
        assert.equal(scanPem(`junk ${block("CERTIFICATE")}`).otherText, true);
        assert.equal(scanPem(`${block("CERTIFICATE")} junk`).otherText, true);
        // A BEGIN without its END, and a BEGIN closed by another label's END, are not blocks.
        const broken = scanPem(`-----BEGIN CERTIFICATE-----\nQUJD\n${block("CERTIFICATE")}\n-----BEGIN A-----\nQUJD\n-----END B-----`);
        assert.equal(broken.blocks.length, 1);
        assert.equal(broken.otherText, true);
        assert.equal(scanPem("-----BEGIN lower case-----\nQUJD\n-----END lower case-----").blocks.length, 0);
    });

    it("refuses a 1 MB vaultCaBundle for its length, naming the limit", () => {
        const problem = onlyConfigProblem({ ...VAULT_BASE, vaultCaBundle: beginLines }, "vaultCaBundle");
        assert.match(problem.message, new RegExp(`is ${beginLines.length} characters long, more than the ${PEM_BUNDLE_MAX_CHARS} taken for a CA bundle`));
        assert.match(problem.value, /^\(PEM, \d+ characters, not shown\)$/);
        assert.match(problem.fix, /only the CA certificate\(s\)/);
    });

    it("refuses 400 KB of BEGIN lines in vaultCaBundle as holding no certificate", () => {
        const problem = onlyConfigProblem({ ...VAULT_BASE, vaultCaBundle: repeated("-----BEGIN CERTIFICATE-----\n", 400 * 1024) }, "vaultCaBundle");
        assert.match(problem.message, /holds no PEM certificate/);
    });

    it("refuses a 1 MB existing root certificate or key for its length, showing neither", () => {
        const key = generateKey("ECDSA", { ecdsaCurve: "P256" }).privateKeyPem;
        const certProblem = onlyConfigProblem({ caMode: "plugin", existingRootCert: beginLines, existingRootKey: key }, "existingRootCert", { secretKeys: ["existingRootKey"] });
        assert.match(certProblem.message, new RegExp(`the certificate is ${beginLines.length} characters long, more than the ${PEM_BLOCK_MAX_CHARS} taken`));
        assert.equal(certProblem.value, "(PEM, not shown)");
        const keyLines = repeated("-----BEGIN PRIVATE KEY-----\n", ONE_MB);
        assert.match(checkCaKeyPair("-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n", keyLines) ?? "", /the private key is \d+ characters long/);
        assert.match(
            checkCaKeyPair("-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n", repeated("-----BEGIN PRIVATE KEY-----\n", 60000)) ?? "",
            /not exactly one PEM private key block/,
        );
    });
});

describe("hostile inputs: list lengths are capped", () => {
    const pin = (serviceAccounts: string[]) => [{ host: "payments.prod.svc.cluster.local", clientNamespace: "checkout", serviceAccounts }];

    it("refuses a pin with more than 1000 service accounts, naming the list", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", pinnedHosts: pin(Array.from({ length: 1001 }, (_, i) => `prod/sa${i}`)) }, "pinnedHosts[0].serviceAccounts");
        assert.match(problem.message, /lists 1001 service accounts; at most 1000 are taken/);
        assert.match(problem.value, /^"\[\\"prod\/sa0\\",.*\(cut\)$/);
    });

    it("takes 1000 service accounts, and still reports a duplicate among them", () => {
        const accounts = Array.from({ length: 1000 }, (_, i) => `prod/sa${i}`);
        assert.equal(parseStackConfig(rawConfig({ caMode: "plugin", pinnedHosts: pin(accounts) })).meshPolicy.pinnedHosts[0].serviceAccounts.length, 1000);
        const problem = onlyConfigProblem({ caMode: "plugin", pinnedHosts: pin([...accounts.slice(0, 999), "prod/sa5"]) }, "pinnedHosts[0].serviceAccounts[999]", {
            value: '"prod/sa5"',
        });
        assert.match(problem.message, /is listed twice/);
    });

    it("refuses more than 1000 PERMISSIVE fallbacks or pins", () => {
        const fallbacks = Array.from({ length: 1001 }, (_, i) => ({ namespace: `n${i}`, reason: "legacy plaintext" }));
        assert.match(onlyConfigProblem({ caMode: "plugin", permissiveFallbacks: fallbacks }, "permissiveFallbacks").message, /lists 1001 entries; at most 1000 are taken/);
        const pins = Array.from({ length: 1001 }, (_, i) => ({ host: `s${i}.prod.svc.cluster.local`, clientNamespace: "checkout", serviceAccounts: ["prod/s"] }));
        assert.match(onlyConfigProblem({ caMode: "plugin", pinnedHosts: pins }, "pinnedHosts").message, /lists 1001 entries/);
    });

    it("refuses a recorded rotation state with more roots than a rotation has", () => {
        const verdict = guardRotation({
            previous: { kind: "none" },
            desired: { identity: ID, caMode: "plugin", rotating: true, settings: { phase: "steady", roots: ["r1"] }, rootSources: { r1: "generated" }, multiRootEnabled: true },
            timing: { oldChainLifetimeMs: 48 * 3600000, propagationDelayMs: 3600000 },
            now: at(0),
        });
        assert.ok(verdict.allowed);
        const state: RotationState = verdict.state;
        const many = Array.from({ length: 40000 }, (_, i) => `r${i}`);
        const tooManyRoots = readPreviousDeployment({ rotationState: { ...state, roots: many } }, READ);
        assert.equal(tooManyRoots.kind, "unreadable");
        assert.match(JSON.stringify(tooManyRoots), /rotationState\.roots: lists more than 2 roots/);
        const tooManyKeys = readPreviousDeployment({ rotationState: { ...state, signedUntil: Object.fromEntries(many.map((r) => [r, state.recordedAt])) } }, READ);
        assert.equal(tooManyKeys.kind, "unreadable");
        if (tooManyKeys.kind !== "unreadable") return;
        assert.match(tooManyKeys.problems.join("\n"), /rotationState\.signedUntil: names more than 2 roots/);
        assert.ok(tooManyKeys.problems.length <= 10);
    });
});

describe("hostile inputs: secrets are never quoted", () => {
    it("hides a plain vaultToken used outside vault mode", () => {
        const problem = onlyConfigProblem({ caMode: "plugin", vaultToken: TOKEN }, "vaultToken", { value: "(value not shown)" });
        assert.match(problem.message, /is only used by caMode "vault"/);
        assert.match(problem.fix, /pulumi config rm istio-ca:vaultToken/);
        assertNotIn([problem], TOKEN, "supersecret");
    });

    it("never quotes a key meant for credentials, whatever the mode", () => {
        const secretKeys = [...CONFIG_KEYS.filter((spec) => spec.secret).map((spec) => spec.key), "kubeconfig"];
        assert.ok(secretKeys.includes("vaultToken") && secretKeys.includes("existingRootKey"));
        for (const caMode of ["istiod", "plugin", "cert-manager", "kubernetes"]) {
            for (const key of secretKeys) {
                const value = `${key}-${TOKEN}\nclient-key-data: x`;
                const problems = configProblems({ caMode, [key]: value });
                assertNotIn(problems, TOKEN);
            }
        }
        assertNotIn(configProblems({ ...VAULT_BASE, vaultToken: TOKEN, existingRootKey: TOKEN }), TOKEN);
    });

    for (const [typo, intended] of [
        ["vaultTokn", "vaultToken"],
        ["existingRootKye", "existingRootKey"],
        ["kubeconfg", "kubeconfig"],
    ]) {
        it(`hides the value of the misspelt key ${typo}, and suggests ${intended}`, () => {
            const problem = onlyConfigProblem({ caMode: "plugin", [typo]: TOKEN }, typo, { value: "(value not shown)" });
            assert.match(problem.message, /is not a config key of this project/);
            assert.match(problem.fix, new RegExp(`did you mean istio-ca:${intended}\\?`));
            assertNotIn([problem], TOKEN);
        });
    }

    it("hides a key's base64 body in a key that is not secret", () => {
        const body = generateKey("ECDSA", { ecdsaCurve: "P256" }).privateKeyPem.split("\n").slice(1, -2).join("");
        const problem = onlyConfigProblem({ ...VAULT_BASE, vaultCaBundle: body }, "vaultCaBundle");
        assert.match(problem.value, /^\(base64 data, \d+ characters, not shown\)$/);
        assertNotIn([problem], body.slice(0, 20));
    });
});

describe("hostile inputs: Vault URLs are strict, normalised, and never quoted with credentials or a query", () => {
    const urlKeys = ["vaultAddress", "vaultKubernetesHost"];

    for (const url of [
        `https://admin:${PASSWORD}@vault.example.com:99999`,
        `https://admin:${PASSWORD}@vault example.com`,
        `admin:${PASSWORD}@vault.example.com`,
        `https://admin:${PASSWORD}@[k8s`,
    ]) {
        for (const key of urlKeys) {
            it(`refuses ${key} with credentials that does not parse, without quoting it (${url.replace(PASSWORD, "…")})`, () => {
                const problem = onlyConfigProblem({ ...VAULT_BASE, [key]: url }, key, { value: "(URL with credentials, not shown)" });
                assert.match(problem.message, /holds a user name or password/);
                assertNotIn([problem], PASSWORD);
            });
        }
    }

    for (const url of [`https://vault.example.com:8200/?token=${TOKEN}`, `https://vault.example.com/#${TOKEN}`, "https://vault.example.com/?", "https://vault.example.com/#"]) {
        it(`refuses a query or fragment without quoting it (${url.replace(TOKEN, "…")})`, () => {
            const problem = onlyConfigProblem({ ...VAULT_BASE, vaultAddress: url }, "vaultAddress", { value: "(URL with a query or fragment, not shown)" });
            assert.match(problem.message, /not an https URL of the form https:\/\/host\[:port\]/);
            assert.match(problem.fix, /https:\/\/vault\.example\.com:8200/);
            assertNotIn([problem], TOKEN);
        });
    }

    for (const url of [
        " https://vault.example.com ",
        "https://vault.example.com:8200\n",
        "https://vault.exa\tmple.com",
        "https:\\\\vault.example.com",
        "https://vault.example.com//",
        "HTTPS://vault.example.com",
        "https://vault.example.com:99999",
        "https://vault.example.com:8200/v1",
    ]) {
        it(`refuses vaultAddress ${JSON.stringify(url)}, quoting it`, () => {
            const problem = onlyConfigProblem({ ...VAULT_BASE, vaultAddress: url }, "vaultAddress", { value: JSON.stringify(url) });
            assert.match(problem.message, /no path, query, fragment, whitespace or backslash/);
        });
    }

    it("passes the URL's origin on: lower-case host, no default port, no trailing slash", () => {
        const model = parseStackConfig(rawConfig({ ...VAULT_BASE, vaultAddress: "https://Vault.Example.COM:443/", vaultKubernetesHost: "https://[::1]:6443/" }));
        assert.equal(model.vault!.address, "https://vault.example.com");
        assert.equal(model.vault!.kubernetesAuth.host, "https://[::1]:6443");
        assert.equal(parseStackConfig(rawConfig({ ...VAULT_BASE, vaultAddress: "https://vault.example.com:8200" })).vault!.address, "https://vault.example.com:8200");
    });
});

describe("hostile inputs: a kubeconfig's contents are never taken as a path", () => {
    const oneLine = `--- {apiVersion: v1, kind: Config, users: [{name: u, user: {token: ${TOKEN}}}]}`;
    const crOnly = `current-context: x\rusers:\r- name: u\r  user:\r    token: ${TOKEN}\r`;
    const contents = [oneLine, crOnly, `{"apiVersion":"v1","users":[{"user":{"token":"${TOKEN}"}}]}`, `users: [{user: {password: ${TOKEN}}}]`, `x client-key-data ${TOKEN}`];

    for (const kubeconfig of contents) {
        it(`takes ${JSON.stringify(kubeconfig.slice(0, 24))}... as contents: a plain one is refused unquoted, while deploying too`, () => {
            for (const deploying of [false, true]) {
                const problem = onlyConfigProblem({ caMode: "plugin", kubeconfig }, "kubeconfig", { deploying, fileExists: () => false, value: "(plain text, not shown)" });
                assert.match(problem.message, /holds a kubeconfig's contents \(.*so it is not taken as a file path\).* is not a Pulumi secret/);
                assert.match(problem.fix, /pulumi config set --secret istio-ca:kubeconfig/);
                assertNotIn([problem], TOKEN);
            }
            const model = parseStackConfig(rawConfig({ caMode: "plugin", kubeconfig }, { secretKeys: ["kubeconfig"] }));
            assert.ok(model.kubernetes.kubeconfig && "contents" in model.kubernetes.kubeconfig);
        });
    }

    it("hands a one-line kubeconfig to the provider only as a secret", async () => {
        const plan = await planConfig({ caMode: "plugin", kubeconfig: oneLine }, { secretKeys: ["kubeconfig"] });
        assert.equal(only(plan, "pulumi:providers:kubernetes").inputs.kubeconfig, "[secret]");
        assert.ok(!JSON.stringify(plan).includes(TOKEN));
    });

    it("does not quote a kubeconfig path that does not exist", () => {
        const problem = onlyConfigProblem({ kubeconfig: "/home/me/.kube/prod" }, "kubeconfig", { deploying: true, fileExists: () => false, value: "(value not shown)" });
        assert.match(problem.message, /names a file that does not exist here/);
        assert.ok(!JSON.stringify(problem).includes("/home/me"));
    });
});

describe("hostile inputs: root names are quoted through shownValue", () => {
    it("hides a PEM given as a root name, and cuts long and many names", () => {
        const keyPem = generateKey("ECDSA", { ecdsaCurve: "P256" }).privateKeyPem;
        const problem = onlyConfigProblem({ caMode: "plugin", roots: [keyPem] }, "roots");
        assert.match(problem.message, /has names that are not lower-case DNS labels: \(PEM, \d+ characters, not shown\)$/);
        assertNotIn([problem], "PRIVATE KEY", keyPem.split("\n")[1].slice(0, 20));
        const many = onlyConfigProblem({ caMode: "plugin", roots: ["A", "B", "C", "D", "x".repeat(500), "F", "G"] }, "roots");
        assert.match(many.message, /: "A", "B", "C", "D", "x{120}\.\.\." \(500 characters\) and 2 more$/);
    });
});

describe("hostile inputs: values accepted only within their bounds", () => {
    for (const [key, value] of [
        ["alertRenewalMargin", "1ns"],
        ["alertRenewalMargin", "59s"],
        ["alertRootExpiryWindow", "0.4s"],
        ["alertRootExpiryWindow", "0.001ns"],
    ]) {
        it(`refuses ${key} ${value}: shorter than 1m, where the alert would never fire`, () => {
            const problem = onlyConfigProblem({ caMode: "plugin", alertsEnabled: "true", [key]: value }, key, { value: JSON.stringify(value) });
            assert.match(problem.message, /is shorter than 1m: .*never fire/);
            assert.match(problem.fix, new RegExp(`set istio-ca:${key} to 1m or more`));
        });
    }

    it("takes alert windows of exactly 1m", () => {
        const model = parseStackConfig(rawConfig({ caMode: "plugin", alertsEnabled: "true", alertRenewalMargin: "1m", alertRootExpiryWindow: "1m" }));
        assert.equal(model.alerts.renewalMarginMs, 60000);
        assert.equal(model.alerts.rootExpiryWindowMs, 60000);
    });

    for (const name of ["x\u0085y", "a\u2028b", "a\u2029b", "a\u200bb", "a\u202eb", "a\ue000b"]) {
        for (const key of ["rootCommonName", "organization"]) {
            it(`refuses ${key} "${escaped(name)}", showing the character escaped`, () => {
                const problem = onlyConfigProblem({ caMode: "plugin", [key]: name }, key, { value: `"${escaped(name)}"` });
                assert.match(problem.message, /control character .* format or line-separator character/);
            });
        }
    }

    it("takes Unicode letters and emoji in subject names", () => {
        const model = parseStackConfig(rawConfig({ caMode: "plugin", rootCommonName: "Zürich CA \u{1F512}", organization: "Société Générale" }));
        assert.equal(model.rootCa.commonName, "Zürich CA \u{1F512}");
    });

    for (const reason of ["\u200b".repeat(12), "\u00a0".repeat(12), "a\u200bb\u200bc\u200bd\u200be\u200b \u3000 f g h i", "\u2028".repeat(20)]) {
        it(`refuses the override reason "${escaped(reason)}": fewer than 10 visible characters`, () => {
            const problem = onlyConfigProblem({ caMode: "plugin", rotationOverride: "retire-old-early", rotationOverrideReason: reason }, "rotationOverrideReason");
            assert.match(problem.message, /at least 10 characters, not counting spaces and invisible characters/);
            assert.match(problem.value, /\\u\{/, "invisible characters are shown escaped");
        });
    }

    it("takes an override reason of 10 visible characters", () => {
        const model = parseStackConfig(rawConfig({ caMode: "plugin", rotationOverride: "retire-old-early", rotationOverrideReason: "  clock é 10 ok  " }));
        assert.equal(model.rotation.override?.reason, "  clock é 10 ok  ");
    });

    for (const [what, reason] of [
        ["PEM text", "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----"],
        ["a line break", "waived after the incident\nsee ticket 42"],
        ["601 characters", "x".repeat(601)],
    ]) {
        it(`refuses an override reason with ${what}: it is recorded in plain text in the stack's outputs`, () => {
            const problem = onlyConfigProblem({ caMode: "plugin", rotationOverride: "retire-old-early", rotationOverrideReason: reason }, "rotationOverrideReason");
            assert.match(problem.message, /recorded in plain text in the stack's outputs/);
            assert.ok(!problem.value.includes("MIGHAgEAMBMG"), problem.value);
        });
    }

    for (const text of ["1h ", " 1h", "600000.5ms\n"]) {
        it(`refuses the duration "${escaped(text)}": Go's ParseDuration takes no surrounding spaces`, () => {
            assert.match(onlyConfigProblem({ maxWorkloadCertTtl: text }, "maxWorkloadCertTtl").message, /Go duration/);
        });
    }

    it("reads a duration with a fraction of a millisecond as whole milliseconds, rounded up, so the recorded timing stays whole", () => {
        assert.equal(parseStackConfig(rawConfig({ maxWorkloadCertTtl: "172800000.5ms" })).workloadCerts.maxTtlMs, 172800001);
        assert.equal(parseStackConfig(rawConfig({ workloadCertTtl: "1.1h", maxWorkloadCertTtl: "48h" })).workloadCerts.ttlMs, 3960000);
    });

    for (const text of [" 0.5", "0.5 ", "5e-324", "0x1", "+0.5", ".5"]) {
        it(`refuses gracePeriodRatio "${text}": only plain decimal numbers`, () => {
            assert.match(onlyConfigProblem({ gracePeriodRatio: text }, "gracePeriodRatio").message, /is not a plain decimal number/);
        });
    }

    for (const [flag, value] of [
        ["--rate", "1e-300"],
        ["--rate", "0b1"],
        ["--rate", "1e3"],
        ["--workloads", "0x10"],
        ["--workloads", "1e1"],
        ["--phase-seconds", "1e-300"],
        ["--ttl-seconds", " 5"],
        ["--propagation-ms", "Infinity"],
    ]) {
        it(`refuses drill ${flag} ${value}: only plain decimal numbers`, () => {
            assert.throws(() => parseDrillArgs([flag, value]), new RegExp(`${flag} must be a number, got "${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}" \\(plain decimal`));
        });
    }

    it("refuses a drill rate below its documented 1, and takes decimals within the bounds", () => {
        assert.throws(() => parseDrillArgs(["--rate", "0.5"]), /--rate must be between 1 and 5000 requests per second, got 0.5/);
        assert.equal(parseDrillArgs(["--rate", "1"]).rate, 1);
        assert.equal(parseDrillArgs(["--rate", "12.5", "--phase-seconds", "2.25"]).phaseSeconds, 2.25);
    });
});

describe("hostile inputs: an invalid clock", () => {
    it("is refused by the plan before anything is registered", async () => {
        const err = await rejection(planConfig({ caMode: "plugin" }, { now: new Date(Number.NaN) }));
        assert.ok(err instanceof PlanError, `expected a PlanError, got ${err}`);
        assert.match(err.message, /now is Invalid Date, not a time/);
        assert.ok(!("registeredResources" in err), "refused before the program ran");
    });
});
