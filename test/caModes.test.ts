import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CA_MODES, CA_MODE_RECORDS, modesWhere, quotedModes } from "../src/caModes";
import { STRATEGIES } from "../src/strategies";
import { parseStackConfig } from "../src/config";
import { configProblems, rawConfig } from "./helpers";

const ROOT = path.join(__dirname, "..");

function sourcesUnder(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) return sourcesUnder(rel);
        return entry.name.endsWith(".ts") ? [rel] : [];
    });
}

function problemsOf(values: Record<string, string>): string[] {
    return configProblems(values).map((p) => `${p.key}: ${p.message}`);
}

describe("CA mode records", () => {
    it("has one record per mode, named by it, and each strategy carries its mode's record", () => {
        assert.deepEqual(Object.keys(CA_MODE_RECORDS).sort(), [...CA_MODES].sort());
        for (const mode of CA_MODES) {
            assert.equal(CA_MODE_RECORDS[mode].mode, mode);
            const { deploy, deployShared, ...facts } = STRATEGIES[mode];
            assert.equal(typeof deploy, "function");
            // Every mode but the one whose root each istiod makes alone can share roots across a fleet.
            assert.equal(typeof deployShared, CA_MODE_RECORDS[mode].rootMaker === "istiod" ? "undefined" : "function", mode);
            assert.deepEqual(facts, CA_MODE_RECORDS[mode]);
        }
    });

    it("keeps each record's facts consistent with one another", () => {
        for (const record of Object.values(CA_MODE_RECORDS)) {
            const at = `caMode ${record.mode}`;
            if (record.rotatesRoots) assert.notEqual(record.rootMaker, "istiod", `${at}: a root istiod keeps cannot be rotated by the program`);
            if (record.acceptsExistingRoot) assert.equal(record.rootMaker, "program", `${at}: only a program-made root can be swapped for an existing one`);
            assert.equal(record.usesVault, record.rootMaker === "vault", at);
            assert.equal(record.rootMaxPathLength === undefined, record.rootMaker === "istiod", `${at}: a made root has a path length`);
            if (record.deliveries.length > 0 || record.certManagerRoots.length > 0)
                assert.ok(record.installsCertManager, `${at}: delivery and root source are cert-manager settings`);
            for (const delivery of ["cacerts", "istio-csr"] as const) {
                if (!record.deliveries.includes(delivery) && record.deliveries.length > 0) continue;
                if (record.workloadSigner(delivery) === "istio-csr") assert.ok(record.installsCertManager, `${at}: istio-csr runs on cert-manager`);
                if (record.signsFromOldChainAfterSignNew(delivery)) assert.ok(record.rotatesRoots, at);
            }
        }
    });

    it("is the only place that compares caMode with a mode's name", () => {
        const literal = CA_MODES.map((mode) => mode.replace("-", "\\-")).join("|");
        const comparison = new RegExp(`caMode\\s*[!=]==?\\s*["'](${literal})["']|["'](${literal})["']\\s*[!=]==?\\s*[\\w.?]*caMode\\b`);
        const modeList = /:\s*readonly\s+CaMode\[\]\s*=\s*\[/;
        const offenders = ["src", "program", "plan", "scripts"]
            .flatMap(sourcesUnder)
            .filter((file) => !file.endsWith(path.join("src", "caModes.ts")))
            .flatMap((file) =>
                fs
                    .readFileSync(path.join(ROOT, file), "utf8")
                    .split("\n")
                    .map((line, index) => ({ file, line, index })),
            )
            .filter(({ line }) => comparison.test(line) || modeList.test(line))
            .map(({ file, index, line }) => `${file}:${index + 1}: ${line.trim()}`);
        assert.deepEqual(offenders, []);
    });

    it("names the modes that take a key from the records in its refusals", () => {
        assert.equal(quotedModes(modesWhere((mode) => mode.acceptsExistingRoot)), `"plugin", "kubernetes" or "cert-manager"`);
        const problems = problemsOf({ caMode: "istiod", certManagerVersion: "v1.21.1", vaultAddress: "https://vault.example.com" });
        assert.ok(
            problems.some((p) => p.includes(`istio-ca:certManagerVersion: is only used by caMode "kubernetes", "cert-manager" or "vault", not "istiod"`)),
            problems.join("\n"),
        );
        assert.ok(
            problems.some((p) => p.includes(`istio-ca:vaultAddress: is only used by caMode "vault", not "istiod"`)),
            problems.join("\n"),
        );
        const rotating = problemsOf({ caMode: "istiod", rotationPhase: "trust-both" });
        assert.ok(
            rotating.some((p) => p.includes(`only for caMode "plugin", "kubernetes", "cert-manager" or "vault", not "istiod"`)),
            rotating.join("\n"),
        );
    });

    it("refuses certManagerRoot where the mode's record does not take it, with the record's reason", () => {
        const vault = problemsOf({ caMode: "vault", certManagerRoot: "generated", vaultAddress: "https://vault.example.com" });
        assert.ok(
            vault.some((p) => /certManagerRoot: is not used by caMode "vault": caMode "vault" generates the root inside Vault/.test(p)),
            vault.join("\n"),
        );
        const kubernetes = problemsOf({ caMode: "kubernetes", certManagerRoot: "in-cluster" });
        assert.ok(
            kubernetes.some((p) => /certManagerRoot: is in-cluster, but caMode kubernetes gives istiod the root as its trust anchor/.test(p)),
            kubernetes.join("\n"),
        );
        assert.equal(parseStackConfig(rawConfig({ caMode: "kubernetes", certManagerRoot: "generated" })).certManager?.root, "generated");
    });
});
