export {};
//# sourceMappingURL=lease-store.js.map