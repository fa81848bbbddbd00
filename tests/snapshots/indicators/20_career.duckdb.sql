-- destinations:additive
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."procedure",
  "t1"."grade",
  SUM(
    CASE
      WHEN (
        "t1"."grade" = 11
      ) AND (
        "t1"."destination" = 'college'
      )
      THEN 1
      ELSE 0
    END
  ) AS "n0",
  SUM(CASE WHEN "t1"."grade" = 11 THEN 1 ELSE 0 END) AS "d0",
  SUM(
    CASE
      WHEN (
        "t1"."grade" = 11
      ) AND (
        "t1"."destination" = 'university'
      )
      THEN 1
      ELSE 0
    END
  ) AS "n1",
  SUM(CASE WHEN "t1"."grade" = 11 THEN 1 ELSE 0 END) AS "d1",
  SUM(CASE WHEN "t1"."grade" IN (9, 11) THEN 1 ELSE 0 END) AS "n2",
  SUM(CASE WHEN "t1"."grade" IN (9, 11) THEN 1 ELSE 0 END) AS "c2",
  SUM(
    CASE
      WHEN (
        "t1"."grade" = 9
      ) AND (
        "t1"."destination" = 'college'
      )
      THEN 1
      ELSE 0
    END
  ) AS "n3",
  SUM(CASE WHEN "t1"."grade" = 9 THEN 1 ELSE 0 END) AS "d3",
  SUM(
    CASE
      WHEN (
        "t1"."grade" = 9
      ) AND (
        "t1"."destination" = 'school'
      )
      THEN 1
      ELSE 0
    END
  ) AS "n4",
  SUM(CASE WHEN "t1"."grade" = 9 THEN 1 ELSE 0 END) AS "d4",
  SUM(
    CASE
      WHEN "t1"."grade" IN (9, 11)
      AND "t1"."destination" IN ('college', 'university')
      AND (
        "t1"."is_target" = TRUE
      )
      THEN 1
      ELSE 0
    END
  ) AS "n5",
  SUM(
    CASE
      WHEN "t1"."grade" IN (9, 11) AND "t1"."destination" IN ('college', 'university')
      THEN 1
      ELSE 0
    END
  ) AS "d5",
  SUM(
    CASE
      WHEN "t1"."grade" IN (9, 11) AND (
        "t1"."destination" = 'none'
      )
      THEN 1
      ELSE 0
    END
  ) AS "n6",
  SUM(CASE WHEN "t1"."grade" IN (9, 11) THEN 1 ELSE 0 END) AS "d6"
FROM (
  SELECT
    *
  FROM "destinations" AS "t0"
  WHERE
    "t0"."procedure" IN ('DESTINATIONS')
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4;
