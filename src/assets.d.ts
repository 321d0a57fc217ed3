// Files bun build --compile embeds; at dev time the import is the file's path.
declare module "*/runt-init" {
  const path: string;
  export default path;
}
