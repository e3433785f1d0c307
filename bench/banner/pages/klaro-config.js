// klaro with Ward's four categories (purposes) and one service each, as in
// server/privacy/cookies.json; decline offered beside accept.
window.klaroConfig = {
  acceptAll: true,
  hideDeclineAll: false,
  mustConsent: false,
  translations: {
    en: {
      consentNotice: { description: "Ward needs a few strictly necessary cookies to work. With your permission it also uses others to remember your preferences, count visits and show relevant offers." },
      purposes: { necessary: "Strictly necessary", preferences: "Preferences", analytics: "Analytics", advertising: "Advertising" },
      "ward-session": { description: "Keeps you signed in" },
      "ward-layout": { description: "Remembers the layout" },
      "ward-analytics": { description: "Counts page views" },
      "ward-ads": { description: "Offers for camera accessories" },
    },
  },
  services: [
    { name: "ward-session", title: "Ward session", purposes: ["necessary"], required: true, cookies: ["ward_session"] },
    { name: "ward-layout", title: "Ward layout", purposes: ["preferences"], cookies: ["ward_layout"] },
    { name: "ward-analytics", title: "Ward analytics", purposes: ["analytics"] },
    { name: "ward-ads", title: "Accessory offers", purposes: ["advertising"], cookies: ["ward_ad_id"] },
  ],
};
