import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { PROJECT_DIR } from "../plan/engine";
import { parseStrictIsoTime } from "../plan/time";
import { rejection } from "./helpers";

const run = promisify(execFile);
const cli = (args: string[]) =>
    run(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), ["--transpile-only", path.join(PROJECT_DIR, "plan", "cli.ts"), ...args], { cwd: PROJECT_DIR });
const step = (name: string) => ["--stack", "rotation", "--config-file", path.join("stacks", "rotation", `Pulumi.rotation-${name}.yaml`)];
const fingerprints = (stdout: string) => JSON.parse(/trustedRootFingerprints: (.*)/.exec(stdout)![1]) as string[];

describe("plan command line: a stack's updates one after another", function () {
    this.timeout(180000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-plan-state-"));
    const state = path.join(dir, "state");
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("keeps each root's key and certificate from one run to the next, and reports each update", async () => {
        const first = await cli([...step("1-steady"), "--state", state, "--now", "2026-06-01T08:00:00Z"]);
        assert.doesNotMatch(first.stdout, /What pulumi up would do/, "a first deployment has nothing to compare with");
        const second = await cli([...step("2-trust-both"), "--state", state, "--now", "2026-06-02T08:00:00Z"]);
        assert.equal(fingerprints(second.stdout)[0], fingerprints(first.stdout)[0], "r2026 is the same root in both runs");
        assert.match(second.stdout, /What pulumi up would do/);
        assert.match(second.stdout, /\+  create +tls:index\/selfSignedCert:SelfSignedCert plugin-ca-root-r2027\n/);
        assert.match(second.stdout, /~  update +kubernetes:core\/v1:Secret plugin-ca-cacerts  changed: stringData\.root-cert\.pem/);
        assert.match(second.stdout, /2 to create, 1 to update in place, \d+ unchanged/);
        const mode = fs.statSync(state).mode & 0o777;
        assert.equal(mode, 0o700, "the state directory holds keys: owner only");
        for (const file of fs.readdirSync(state)) assert.equal(fs.statSync(path.join(state, file)).mode & 0o777, 0o600, file);
        assert.ok(!fs.readFileSync(path.join(state, "plan.json"), "utf8").includes("PRIVATE KEY"), "the saved plan is redacted");
    });

    it("exits 1 where pulumi up would stop at a protected resource, until it is unprotected", async () => {
        await cli([...step("3-sign-new"), "--state", state, "--now", "2026-06-02T09:00:00Z"]);
        await cli([...step("4-retire-old"), "--state", state, "--now", "2026-06-04T10:00:00Z"]);
        const refused = await rejection(cli([...step("5-steady"), "--state", state, "--now", "2026-06-05T12:00:00Z"]));
        assert.equal(refused.code, 1);
        assert.match(refused.stdout, /!  refused +tls:index\/privateKey:PrivateKey plugin-ca-root-r2026-key  protected/);
        assert.match(refused.stderr, /pulumi up would stop: protected resources would be deleted: plugin-ca-root-r2026-key, plugin-ca-root-r2026/);
        const done = await cli([
            ...step("5-steady"),
            "--state",
            state,
            "--now",
            "2026-06-05T12:00:00Z",
            "--unprotect",
            "plugin-ca-root-r2026-key",
            "--unprotect",
            "plugin-ca-root-r2026",
        ]);
        assert.match(done.stdout, /-  delete +tls:index\/privateKey:PrivateKey plugin-ca-root-r2026-key/);
        const wrong = await rejection(cli([...step("5-steady"), "--state", state, "--unprotect", "nothing-by-that-name"]));
        assert.match(wrong.stderr, /--unprotect nothing-by-that-name: the previous plan has no resource of that name/);
    });

    it("refuses a previous plan of another stack, a file that is not a plan, and outputs that are empty", async () => {
        const other = path.join(dir, "other.json");
        await cli(["--stack", "plugin", "--json", other]);
        assert.match((await rejection(cli([...step("1-steady"), "--previous", other]))).stderr, /previous plan is of stack istio-ca\/plugin, not istio-ca\/rotation/);
        const notPlan = path.join(dir, "not-plan.json");
        fs.writeFileSync(notPlan, JSON.stringify({ resources: [] }));
        assert.match((await rejection(cli([...step("1-steady"), "--previous", notPlan]))).stderr, /is not a plan written by --json or --state/);
        const empty = path.join(dir, "empty.json");
        fs.writeFileSync(empty, "{}");
        assert.match((await rejection(cli([...step("1-steady"), "--previous-outputs", empty]))).stderr, /holds no outputs/);
    });

    it("takes only strict ISO 8601 times for --now", async () => {
        for (const bad of ["0", "2026-02-30T00:00:00Z", "2026-06-01", "yesterday"]) {
            const err = await rejection(cli(["--stack", "dev", "--now", bad]));
            assert.match(err.stderr, /is not a strict ISO 8601 time/, bad);
        }
    });
});

describe("strict ISO 8601 times", () => {
    it("accepts a real date and time with a zone", () => {
        assert.equal(parseStrictIsoTime("2026-06-01T08:00:00Z")?.toISOString(), "2026-06-01T08:00:00.000Z");
        assert.equal(parseStrictIsoTime("2026-06-01T10:00:00.5+02:00")?.toISOString(), "2026-06-01T08:00:00.500Z");
        assert.equal(parseStrictIsoTime("2028-02-29T00:00Z")?.toISOString(), "2028-02-29T00:00:00.000Z");
    });

    it("refuses what Date would guess at", () => {
        for (const bad of [
            "0",
            "2026",
            "2026-06-01",
            "2026-02-30T00:00:00Z",
            "2027-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-06-01T24:00:00Z",
            "2026-06-01T08:00:00",
            "2026-06-01 08:00:00Z",
            "2026-06-01T08:00:00+25:00",
        ]) {
            assert.equal(parseStrictIsoTime(bad), undefined, bad);
        }
    });
});
