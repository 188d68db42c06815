import { DeployCa } from "./types";

/** istiod's self-signed CA: no cacerts; istiod generates and keeps its own root. */
export const istiodSelfSigned: DeployCa = () => ({
    ca: {},
    istiodDependsOn: [],
    trust: { trustedRootFingerprints: [], signingRootFingerprint: null, trustBundle: null },
});
