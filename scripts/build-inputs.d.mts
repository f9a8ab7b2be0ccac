/** Where a build records the digest of what it was built from. */
export declare const buildStampFile: string;
/** A digest of every file a build reads (src/ whole), by path and content. */
export declare function buildInputsDigest(root: string): string;
/** Whether dist/ was built from exactly these inputs and holds its files. */
export declare function isBuildCurrent(root: string): boolean;
