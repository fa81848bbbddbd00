-- destinations:additive
SELECT
  *
FROM (
  SELECT
    "t5"."org_id",
    "t5"."year",
    "t5"."grade",
    "t5"."n0",
    "t5"."d0",
    "t5"."n1",
    "t5"."d1",
    "t5"."n2",
    "t5"."c2",
    "t5"."n3",
    "t5"."d3",
    "t5"."n4",
    "t5"."d4",
    "t5"."n5",
    "t5"."d5",
    "t5"."n6",
    "t5"."d6",
    "t2"."territory_id"
  FROM (
    SELECT
      "t3"."org_id",
      "t3"."year",
      "t3"."grade",
      SUM(
        CASE
          WHEN (
            "t3"."grade" = 11
          ) AND (
            "t3"."destination" = 'college'
          )
          THEN 1
          ELSE 0
        END
      ) AS "n0",
      SUM(CASE WHEN "t3"."grade" = 11 THEN 1 ELSE 0 END) AS "d0",
      SUM(
        CASE
          WHEN (
            "t3"."grade" = 11
          ) AND (
            "t3"."destination" = 'university'
          )
          THEN 1
          ELSE 0
        END
      ) AS "n1",
      SUM(CASE WHEN "t3"."grade" = 11 THEN 1 ELSE 0 END) AS "d1",
      SUM(CASE WHEN "t3"."grade" IN (9, 11) THEN 1 ELSE 0 END) AS "n2",
      SUM(CASE WHEN "t3"."grade" IN (9, 11) THEN 1 ELSE 0 END) AS "c2",
      SUM(
        CASE
          WHEN (
            "t3"."grade" = 9
          ) AND (
            "t3"."destination" = 'college'
          )
          THEN 1
          ELSE 0
        END
      ) AS "n3",
      SUM(CASE WHEN "t3"."grade" = 9 THEN 1 ELSE 0 END) AS "d3",
      SUM(
        CASE
          WHEN (
            "t3"."grade" = 9
          ) AND (
            "t3"."destination" = 'school'
          )
          THEN 1
          ELSE 0
        END
      ) AS "n4",
      SUM(CASE WHEN "t3"."grade" = 9 THEN 1 ELSE 0 END) AS "d4",
      SUM(
        CASE
          WHEN "t3"."grade" IN (9, 11)
          AND "t3"."destination" IN ('college', 'university')
          AND (
            "t3"."is_target" = TRUE
          )
          THEN 1
          ELSE 0
        END
      ) AS "n5",
      SUM(
        CASE
          WHEN "t3"."grade" IN (9, 11) AND "t3"."destination" IN ('college', 'university')
          THEN 1
          ELSE 0
        END
      ) AS "d5",
      SUM(
        CASE
          WHEN "t3"."grade" IN (9, 11) AND (
            "t3"."destination" = 'none'
          )
          THEN 1
          ELSE 0
        END
      ) AS "n6",
      SUM(CASE WHEN "t3"."grade" IN (9, 11) THEN 1 ELSE 0 END) AS "d6"
    FROM (
      SELECT
        *
      FROM "destinations" AS "t1"
      WHERE
        "t1"."procedure" IN ('DESTINATIONS')
    ) AS "t3"
    GROUP BY
      1,
      2,
      3
  ) AS "t5"
  LEFT OUTER JOIN "org_territory" AS "t2"
    ON "t5"."org_id" = "t2"."org_id"
) AS "t6"
ORDER BY
  "t6"."year" ASC,
  "t6"."territory_id" ASC NULLS FIRST,
  "t6"."org_id" ASC;
