// vanilla-cookieconsent v3 with Ward's four categories and one service each, as in
// server/privacy/cookies.json; equal-weight buttons like Ward's.
CookieConsent.run({
  // Headless Chromium counts as a bot, to which the banner is hidden by default.
  hideFromBots: false,
  guiOptions: { consentModal: { layout: "box", position: "bottom center", equalWeightButtons: true } },
  categories: { necessary: { enabled: true, readOnly: true }, preferences: {}, analytics: {}, advertising: {} },
  language: {
    default: "en",
    translations: {
      en: {
        consentModal: {
          title: "Cookies on Ward",
          description: "Ward needs a few strictly necessary cookies to work. With your permission it also uses others to remember your preferences, count visits and show relevant offers.",
          acceptAllBtn: "Accept all",
          acceptNecessaryBtn: "Reject all",
          showPreferencesBtn: "Customize",
        },
        preferencesModal: {
          title: "Cookie settings",
          acceptAllBtn: "Accept all",
          acceptNecessaryBtn: "Reject all",
          savePreferencesBtn: "Save my choices",
          sections: [
            { title: "Strictly necessary", description: "Keep you signed in and remember your choices.", linkedCategory: "necessary",
              cookieTable: { headers: { name: "Cookie", domain: "Provider", desc: "Purpose", exp: "Duration" }, body: [{ name: "ward_session", domain: "Ward", desc: "Keeps you signed in", exp: "14 days" }] } },
            { title: "Preferences", description: "Remember how you like the portal laid out.", linkedCategory: "preferences",
              cookieTable: { headers: { name: "Cookie", domain: "Provider", desc: "Purpose", exp: "Duration" }, body: [{ name: "ward_layout", domain: "Ward", desc: "Layout", exp: "1 year" }] } },
            { title: "Analytics", description: "Count which pages are visited.", linkedCategory: "analytics",
              cookieTable: { headers: { name: "Cookie", domain: "Provider", desc: "Purpose", exp: "Duration" }, body: [{ name: "analytics.js", domain: "Ward", desc: "Page views", exp: "none" }] } },
            { title: "Advertising", description: "Offers for camera accessories.", linkedCategory: "advertising",
              cookieTable: { headers: { name: "Cookie", domain: "Provider", desc: "Purpose", exp: "Duration" }, body: [{ name: "ward_ad_id", domain: "Partners", desc: "Offers", exp: "90 days" }] } },
          ],
        },
      },
    },
  },
});
