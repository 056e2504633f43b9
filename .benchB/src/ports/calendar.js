export {};
//# sourceMappingURL=calendar.js.map