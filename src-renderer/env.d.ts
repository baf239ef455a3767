// Side-effect imports of stylesheets, bundled by vite.
declare module '*.css';
