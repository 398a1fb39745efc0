declare module '*.svg' {
  const value: string;
  export default value;
}

/** CommonJS require, resolved by the labextension bundler (used for package.json). */
declare function require(path: string): unknown;
