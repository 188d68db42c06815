/**
 * A simulated mesh workload: a real TLS 1.3 mTLS server on 127.0.0.1 and a client, with a
 * SPIFFE workload certificate issued by the current intermediate and a trust bundle pushed to
 * it. Peers are verified as Envoy does: the chain against the workload's own trust bundle
 * (intermediate sent by the peer), then the peer's URI SAN against the expected SPIFFE ID.
 */
import * as net from "net";
import * as tls from "tls";
import { certificateRequest, generateKey, signCertificateRequest } from "../plan/x509";
import { checkPeerSpiffeId } from "./spiffe";

const LOOPBACK = "127.0.0.1";

/** Key usages of an Istio workload certificate. */
const WORKLOAD_CERT_USES = ["digital_signature", "key_encipherment", "server_auth", "client_auth"];

export interface WorkloadCertificate {
    keyPem: string;
    /** Leaf followed by the issuing intermediate, as istio-agent serves it. */
    chainPem: string;
}

/** Issues a workload certificate for `spiffeId` from an intermediate: new key, CSR, signature. */
export async function issueWorkloadCertificate(spiffeId: string, intermediateCertPem: string, intermediateKeyPem: string, validityHours: number): Promise<WorkloadCertificate> {
    const key = generateKey("ECDSA", { ecdsaCurve: "P256" });
    const csr = await certificateRequest(key.privateKeyPem, { uris: [spiffeId] });
    const leaf = await signCertificateRequest(csr, intermediateCertPem, intermediateKeyPem, { validityHours, allowedUses: WORKLOAD_CERT_USES });
    return { keyPem: key.privateKeyPem, chainPem: leaf.certPem + intermediateCertPem };
}

export interface ExchangeOutcome {
    ok: boolean;
    latencyMs: number;
    error?: Error & { code?: string };
    /** The server's reason when it refused the connection. */
    serverError?: Error & { code?: string };
}

/**
 * What servers rejected, by the client's source port: in TLS 1.3 the client often sees only a
 * reset (its request crossed the server's alert), so the server's own verdict names the cause.
 */
class RejectionLog {
    private readonly byClientPort = new Map<number, Error & { code?: string }>();

    record(clientPort: number | undefined, err: Error & { code?: string }): void {
        if (clientPort !== undefined) this.byClientPort.set(clientPort, err);
    }

    /** The server's error for a connection from `clientPort`, removed once read. */
    take(clientPort: number | undefined): (Error & { code?: string }) | undefined {
        if (clientPort === undefined) return undefined;
        const err = this.byClientPort.get(clientPort);
        this.byClientPort.delete(clientPort);
        return err;
    }
}

export class Workload {
    private server?: tls.Server;
    private clientContext?: tls.SecureContext;
    private certificate?: WorkloadCertificate;
    private bundle: string[] = [];
    private readonly sockets = new Set<net.Socket>();
    port = 0;

    constructor(
        readonly spiffeId: string,
        readonly trustDomain: string,
        private readonly rejections = new RejectionLog(),
    ) {}

    /** Installs a new certificate and/or trust bundle; new connections use them at once. */
    update(change: { certificate?: WorkloadCertificate; bundle?: string[] }): void {
        if (change.certificate) this.certificate = change.certificate;
        if (change.bundle) this.bundle = change.bundle;
        if (!this.certificate || this.bundle.length === 0) return;
        const options = { key: this.certificate.keyPem, cert: this.certificate.chainPem, ca: this.bundle };
        this.clientContext = tls.createSecureContext({ ...options, minVersion: "TLSv1.3" });
        this.server?.setSecureContext(options);
    }

    async listen(): Promise<void> {
        if (!this.certificate) throw new Error(`${this.spiffeId}: no certificate yet`);
        const server = tls.createServer({
            key: this.certificate.keyPem,
            cert: this.certificate.chainPem,
            ca: this.bundle,
            requestCert: true,
            // Verified in "secureConnection" below, so the reason can be recorded.
            rejectUnauthorized: false,
            minVersion: "TLSv1.3",
        });
        this.server = server;
        server.on("connection", (socket: net.Socket) => this.track(socket));
        // A handshake the client abandoned (it rejected our certificate): the client has the reason.
        server.on("tlsClientError", (_err, socket) => socket.destroy());
        server.on("secureConnection", (socket: tls.TLSSocket) => {
            socket.on("error", () => socket.destroy());
            // The client certificate must chain to this workload's trust bundle. Node's
            // `rejectUnauthorized: true` would drop such a connection silently; checking
            // `authorized` here drops it the same way but records why.
            if (!socket.authorized) {
                this.rejections.record(
                    socket.remotePort,
                    Object.assign(new Error(`client certificate rejected: ${socket.authorizationError}`), { code: String(socket.authorizationError) }),
                );
                socket.destroy();
                return;
            }
            // Inbound: any workload of this trust domain (authorization policy would narrow it).
            const why = checkPeerSpiffeId(socket.getPeerX509Certificate()?.subjectAltName, { trustDomain: this.trustDomain });
            if (why) {
                this.rejections.record(socket.remotePort, Object.assign(new Error(`SPIFFE check failed: ${why}`), { code: "ERR_SPIFFE_ID" }));
                socket.destroy();
                return;
            }
            socket.once("data", () => socket.end(`pong ${this.spiffeId}\n`));
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, LOOPBACK, () => {
                server.off("error", reject);
                resolve();
            });
        });
        this.port = (server.address() as net.AddressInfo).port;
    }

    /**
     * One request to `peer`: TCP connect, TLS 1.3 handshake with both certificates verified,
     * the peer's SPIFFE ID checked, a request and its answer. In TLS 1.3 the server's verdict
     * on our certificate arrives after our handshake completes, so only the answer proves it.
     */
    request(peer: Workload, timeoutMs: number): Promise<ExchangeOutcome> {
        const start = performance.now();
        return new Promise((resolve) => {
            let settled = false;
            let localPort: number | undefined;
            const finish = (error?: Error) => {
                if (settled) return;
                settled = true;
                clearTimeout(timer);
                socket.destroy();
                const serverError = peer.rejections.take(localPort);
                resolve({ ok: !error, latencyMs: performance.now() - start, error, serverError: error ? serverError : undefined });
            };
            const socket = tls.connect({
                host: LOOPBACK,
                port: peer.port,
                secureContext: this.clientContext,
                minVersion: "TLSv1.3",
                rejectUnauthorized: true,
                checkServerIdentity: (_host, cert) => {
                    const why = checkPeerSpiffeId(cert.subjectaltname, { trustDomain: this.trustDomain, id: peer.spiffeId });
                    return why ? Object.assign(new Error(`SPIFFE check failed: ${why}`), { code: "ERR_SPIFFE_ID" }) : undefined;
                },
            });
            this.track(socket);
            const timer = setTimeout(() => finish(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })), timeoutMs);
            socket.on("connect", () => (localPort = socket.localPort));
            socket.on("secureConnect", () => socket.write("ping\n"));
            let answer = "";
            socket.on("data", (chunk) => {
                answer += chunk.toString();
                if (answer.endsWith("\n")) finish(answer.startsWith(`pong ${peer.spiffeId}`) ? undefined : new Error(`unexpected answer ${JSON.stringify(answer)}`));
            });
            socket.on("error", (err) => finish(err));
            socket.on("close", () => finish(Object.assign(new Error("connection closed before the answer"), { code: "ECONNRESET" })));
        });
    }

    private track(socket: net.Socket): void {
        this.sockets.add(socket);
        socket.once("close", () => this.sockets.delete(socket));
    }

    /** Stops listening and closes every socket this workload opened or accepted; resolves once all are closed. */
    async close(): Promise<void> {
        const closed = [...this.sockets].map((socket) => new Promise<void>((resolve) => socket.once("close", () => resolve())));
        for (const socket of this.sockets) socket.destroy();
        const server = this.server;
        this.server = undefined;
        if (server) closed.push(new Promise<void>((resolve) => server.close(() => resolve())));
        await Promise.all(closed);
    }

    /** Sockets this workload opened or accepted that are not closed yet. */
    get openSockets(): number {
        return this.sockets.size;
    }
}
