import "./env.mjs";

/** @type {import('next').NextConfig} */
export default {};
