const { format } = require("date-fns");

exports.stamp = (date) => format(date, "yyyy-MM-dd");
